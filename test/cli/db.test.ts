import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shareDataDir, stopEmbedded } from "../../loaders/sources/embedded.ts";
import { runCli } from "../util/cli.ts";

// The cheapest commands that need the database: a few rows each, into tables of their own naming.
const SEED = ["seed", "--users", "2", "--days", "6", "--events", "30"];
const count = (text: string, line: string) => text.split(line).length - 1;

describe("labbook db: the embedded server's lifecycle", () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "labbook-test-db-"));
    // As root the server runs as the postgres user, which must be able to reach the cluster.
    await shareDataDir(dataDir);
    // An empty DATABASE_URL also wins over a developer's .env.
    env = { DATABASE_URL: "", LABBOOK_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    if (dataDir) {
      await stopEmbedded(dataDir).catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  const status = async () => {
    const { code, stdout } = await runCli(["db", "status", "--json"], env);
    expect(code).toBe(0);
    return JSON.parse(stdout);
  };

  it("reports a fresh data dir as not initialised", async () => {
    expect(await status()).toEqual({
      using: "embedded",
      embedded: { initialised: false, running: false, pgdata: path.join(dataDir, "postgres") },
    });
  });

  it("starts the server with db start and leaves it running", async () => {
    const { code, stdout } = await runCli(["db", "start", "--json"], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).embedded).toMatchObject({ initialised: true, running: true });
    const { embedded } = await status();
    expect(embedded).toMatchObject({ initialised: true, running: true, mode: "persistent", clients: [] });
    expect(embedded.port).toBeGreaterThan(0);
    expect(embedded.pid).toBeGreaterThan(0);
    const text = await runCli(["db", "status"], env);
    expect(text.stdout).toContain(`embedded:  running on 127.0.0.1:${embedded.port} (pid ${embedded.pid})\n`);
    expect(text.stdout).toContain('mode:      persistent: runs until "labbook db stop"\nclients:   none\n');
  });

  it("keeps a server that db start started running after commands that used it", async () => {
    const { pid } = (await status()).embedded;
    const runs = await Promise.all([
      runCli([...SEED, "--naming", "pascal"], env),
      runCli([...SEED, "--naming", "snake"], env),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain("embedded PostgreSQL: stopped");
    }
    expect((await status()).embedded).toMatchObject({ running: true, pid, mode: "persistent" });
  });

  it("reuses the running server on a second db start", async () => {
    const { port } = (await status()).embedded;
    const { code, stderr } = await runCli(["db", "start"], env);
    expect(code).toBe(0);
    expect(stderr).toContain(`embedded PostgreSQL: already running on 127.0.0.1:${port}`);
  });

  it("stops it with db stop", async () => {
    const { code, stderr } = await runCli(["db", "stop"], env);
    expect(code).toBe(0);
    expect(stderr).toContain("embedded PostgreSQL: stopped");
    expect(await status()).toEqual({
      using: "embedded",
      embedded: { initialised: true, running: false, pgdata: path.join(dataDir, "postgres") },
    });
    const again = await runCli(["db", "stop"], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("embedded PostgreSQL: not running");
  });

  it("exits 2 on an unknown action", async () => {
    const { code, stderr } = await runCli(["db", "restart"], env);
    expect(code).toBe(2);
    expect(stderr).toBe('error: labbook db: expected status, start or stop, got "restart"\n');
  });
});

describe("two commands started at once on a fresh data dir", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "labbook-test-db-race-"));
    await shareDataDir(dataDir);
  });
  afterAll(async () => {
    if (dataDir) {
      await stopEmbedded(dataDir).catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("both succeed, one creates and starts the cluster, and the last one out stops it", async () => {
    const env = { DATABASE_URL: "", LABBOOK_DATA_DIR: dataDir };
    const runs = await Promise.all([
      runCli([...SEED, "--naming", "pascal"], env),
      runCli([...SEED, "--naming", "snake"], env),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const stderr = runs.map((r) => r.stderr).join("");
    expect(count(stderr, "embedded PostgreSQL: creating a cluster in ")).toBe(1);
    // Usually one start and one stop; if one command finished before the other connected, the server stopped and
    // started again. Either way every start was matched by one stop, and nobody stopped it under another.
    const starts = count(stderr, "embedded PostgreSQL: started on 127.0.0.1:");
    expect(starts).toBeGreaterThanOrEqual(1);
    expect(count(stderr, "embedded PostgreSQL: stopped\n")).toBe(starts);
    const { code, stdout } = await runCli(["db", "status", "--json"], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).embedded).toEqual({
      initialised: true,
      running: false,
      pgdata: path.join(dataDir, "postgres"),
    });
  });
});
