import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shareDataDir, stopEmbedded } from "../../loaders/sources/embedded.ts";
import { runCli } from "../util/cli.ts";

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
    expect(embedded).toMatchObject({ initialised: true, running: true });
    expect(embedded.port).toBeGreaterThan(0);
    expect(embedded.pid).toBeGreaterThan(0);
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
