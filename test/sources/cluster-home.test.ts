import { lstat, mkdir, mkdtemp, readlink, realpath, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterHome, OUTSIDE_HOME, othersCanTraverse } from "../../loaders/sources/cluster-home.ts";
import { embeddedPaths, stopEmbedded } from "../../loaders/sources/embedded.ts";
import { runCli } from "../util/cli.ts";

describe("where the embedded cluster lives", () => {
  let base: string;
  let open: string;
  let closed: string;
  beforeAll(async () => {
    // mkdtemp makes a 0700 directory: closed to other users, like /root.
    base = await mkdtemp(path.join(tmpdir(), "labbook-home-"));
    closed = path.join(base, "closed", "project", "data");
    open = path.join(base, "open", "project", "data");
    await mkdir(closed, { recursive: true, mode: 0o755 });
    await mkdir(open, { recursive: true, mode: 0o755 });
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it("tells whether other users can reach a directory through every parent", async () => {
    expect(await othersCanTraverse(closed)).toBe(false);
    expect(await othersCanTraverse(tmpdir())).toBe(true);
  });

  it("keeps the cluster in the data dir unless running as root with the data dir out of the postgres user's reach", async () => {
    expect(await clusterHome(closed, false)).toBe(closed);
    const home = await clusterHome(closed, true);
    expect(path.dirname(home)).toBe(OUTSIDE_HOME);
    expect(path.basename(home)).toMatch(/^[0-9a-f]{16}$/);
    // Named by the data dir, so the same checkout finds its cluster again, and another checkout gets its own.
    expect(await clusterHome(closed, true)).toBe(home);
    expect(await clusterHome(path.join(base, "closed", "project"), true)).not.toBe(home);
  });

  // CI runs as root: a checkout under /root is the case this guards.
  it.runIf(userInfo().uid === 0)("as root, starts a server for a data dir under a closed directory", async () => {
    const env = { DATABASE_URL: "", LABBOOK_DATA_DIR: closed };
    const home = await clusterHome(closed, true);
    try {
      const started = await runCli(["db", "start"], env);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stderr).toContain("a parent directory of the data dir is closed to it");
      const link = path.join(closed, "postgres");
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe(path.join(home, "postgres"));
      expect(embeddedPaths(closed).pgdata).toBe(await realpath(link));
      const status = JSON.parse((await runCli(["db", "status", "--json"], env)).stdout);
      expect(status.embedded).toMatchObject({ initialised: true, running: true, mode: "persistent" });
      expect((await runCli(["db", "stop"], env)).code).toBe(0);
    } finally {
      await stopEmbedded(closed).catch(() => {});
      await rm(home, { recursive: true, force: true });
    }
  });
});
