import { existsSync, readdirSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../loaders/log.ts";
import { initCluster, packaged, pgCtl, pgInstall, type PgInstall } from "../../loaders/sources/pg-install.ts";

/** Starts a cluster on a Unix socket in its own directory, runs `fn` connected to it, and stops it. */
async function startStop(install: PgInstall, pgdata: string, password: string, fn: (sql: Sql) => Promise<void>) {
  // No TCP: the port only names the socket file, in the cluster's own directory (the server's user may write there).
  const options = `-p 5499 -c listen_addresses='' -c unix_socket_directories='${pgdata}'`;
  await pgCtl(install, ["start", "-w", "-t", "60", "-D", pgdata, "-l", path.join(pgdata, "server.log"), "-o", options]);
  const sql = postgres({ host: pgdata, port: 5499, user: "postgres", password, database: "postgres", max: 1 });
  try {
    await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
    await pgCtl(install, ["stop", "-w", "-m", "fast", "-D", pgdata]);
  }
}

describe("the PostgreSQL binaries and initdb", () => {
  let base: string;
  let pkgDir: string;
  /** A copy of the binaries' package under `dir`, as npm would have installed it there. */
  const copyPackage = async (dir: string): Promise<PgInstall> => {
    await cp(pkgDir, dir, { recursive: true, verbatimSymlinks: true });
    return { initdb: path.join(dir, "native", "bin", "initdb"), pgCtl: path.join(dir, "native", "bin", "pg_ctl") };
  };
  let open: PgInstall;
  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "labbook-pginstall-"));
    await chmod(base, 0o755);
    pkgDir = path.dirname(path.dirname(path.dirname((await packaged()).pgCtl)));
    // The checkout's own node_modules may be out of the postgres user's reach (CI under /root): use a copy that is not.
    open = await copyPackage(path.join(base, "open-pkg"));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it("uses the binaries where npm put them when the server's user can reach them", async () => {
    expect(await pgInstall(memoryLogger(), { from: open, outside: path.join(base, "unused") })).toEqual(open);
    expect(existsSync(path.join(base, "unused"))).toBe(false);
  });

  it("creates a UTF8, C-locale cluster that starts and stops", async () => {
    const pgdata = path.join(base, "cluster");
    const install = open;
    await initCluster(install, pgdata, "secret-password");
    expect((await readFile(path.join(pgdata, "PG_VERSION"), "utf8")).trim()).toMatch(/^\d+$/);
    const conf = await readFile(path.join(pgdata, "postgresql.conf"), "utf8");
    expect(conf).toMatch(/^lc_messages = C\s/m);
    expect(await readFile(path.join(pgdata, "pg_hba.conf"), "utf8")).toMatch(/scram-sha-256/);
    // The password file initdb read is gone.
    expect(readdirSync(base).filter((f) => f.startsWith(".pwfile-"))).toEqual([]);
    await startStop(install, pgdata, "secret-password", async (sql) => {
      const [row] = await sql`SELECT current_setting('server_encoding') AS encoding, datcollate
        FROM pg_database WHERE datname = current_database()`;
      expect(row).toEqual({ encoding: "UTF8", datcollate: "C" });
    });
  });

  it("reports an initdb failure as E_INITDB, with initdb's own reason", async () => {
    // initdb refuses a data directory that already holds files.
    const pgdata = path.join(base, "occupied");
    await mkdir(pgdata, { recursive: true });
    await writeFile(path.join(pgdata, "stray"), "x");
    const error = await initCluster(open, pgdata, "secret-password").catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "LabbookError", code: "E_INITDB", exitCode: 1 });
    expect((error as Error).message).toMatch(/^initdb failed: .*exists but is not empty/s);
  });

  // CI runs as root: node_modules under /root (mode 700) is what this guards.
  it.runIf(userInfo().uid === 0)(
    "as root, copies binaries the postgres user cannot reach to a place it can, once, and they run",
    async () => {
      const closed = path.join(base, "closed");
      await mkdir(closed, { mode: 0o700 });
      await chmod(closed, 0o700);
      const from = await copyPackage(path.join(closed, "pkg"));
      const outside = path.join(base, "outside");

      const log = memoryLogger();
      const install = await pgInstall(log, { from, outside });
      expect(path.dirname(path.dirname(install.pgCtl)).startsWith(`${outside}${path.sep}postgresql-`)).toBe(true);
      expect(log.lines.join("\n")).toContain("copying its binaries to");
      const again = memoryLogger();
      expect(await pgInstall(again, { from, outside })).toEqual(install);
      expect(again.lines).toEqual([]);

      const pgdata = path.join(base, "relocated");
      await initCluster(install, pgdata, "another-password");
      await startStop(install, pgdata, "another-password", async (sql) => {
        expect((await sql`SELECT 1 + 1 AS two`)[0]).toEqual({ two: 2 });
      });
    },
  );
});
