import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import path from "node:path";
import type { Sql } from "postgres";
import { LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { withLock } from "../lock.ts";
import { clusterHome } from "./cluster-home.ts";
import { initCluster, pgCtl, pgInstall, SUPERUSER } from "./pg-install.ts";

const DATABASE = "labbook";
/** Next to the cluster: serialises creating, starting and stopping it among labbook processes. */
const LOCK = "postgres.lock";
/** Every labbook process tags its connections `labbook:<pid>`, so each can see which others are connected. */
const CLIENT_PREFIX = "labbook:";

/** Where the embedded server keeps its cluster and its connection settings. */
export interface EmbeddedPaths {
  pgdata: string;
  stateFile: string;
}

export function embeddedPaths(dataDir: string): EmbeddedPaths {
  const link = path.join(dataDir, "postgres");
  let pgdata = link;
  // A cluster kept outside the data dir (see clusterHome) is linked from it; the server needs the real path.
  try {
    if (lstatSync(link).isSymbolicLink()) pgdata = realpathSync(link);
  } catch {
    // Absent, or a dangling link: there is no cluster yet.
  }
  return { pgdata, stateFile: path.join(dataDir, "postgres.json") };
}

/**
 * Who stops a running server. `persistent`: started by `labbook db start`, or by something other than labbook;
 * only `labbook db stop` stops it. `on-demand`: started by a command that needed it; the last labbook process to
 * close its connections stops it.
 */
export type EmbeddedMode = "persistent" | "on-demand";

interface State {
  password: string;
  /**
   * The server labbook started last: its postmaster pid, so a record outlived by its server is ignored. Written with
   * only the port it is given before it starts, so that a starter killed during the start still leaves its mode.
   */
  server?: { pid?: number; port?: number; mode: EmbeddedMode };
}

export interface EmbeddedStatus {
  initialised: boolean;
  running: boolean;
  pgdata: string;
  port?: number;
  pid?: number;
  mode?: EmbeddedMode;
  /** Pids of the labbook processes connected to it, when the server answered. */
  clients?: number[];
}

/** The application_name that tags this process's connections. */
export function clientTag(): string {
  return `${CLIENT_PREFIX}${process.pid}`;
}

/** Runs `fn` holding the embedded server's lock; only creating, starting and stopping it need it. */
export function withEmbeddedLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  return withLock(dataDir, fn, undefined, LOCK);
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

async function writeState(paths: EmbeddedPaths, state: State): Promise<State> {
  const tmp = `${paths.stateFile}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
  await rename(tmp, paths.stateFile);
  return state;
}

/** A server with no record of its own was not started by a labbook command, so none of them may stop it. */
function modeOf(state: State | undefined, pm: { pid: number; port: number }): EmbeddedMode {
  const s = state?.server;
  if (!s) return "persistent";
  // A start that was recorded but whose starter died before it saw the pid: the port it chose names the server.
  const ours = s.pid === undefined ? s.port === pm.port : s.pid === pm.pid;
  return ours ? s.mode : "persistent";
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

/** The pids of the labbook processes with a connection to the server that `sql` is connected to. */
export async function labbookClients(sql: Sql): Promise<number[]> {
  const rows = await sql<{ name: string }[]>`SELECT DISTINCT application_name AS name FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND starts_with(application_name, ${CLIENT_PREFIX})`;
  return rows
    .map((r) => Number(r.name.slice(CLIENT_PREFIX.length)))
    .filter((pid) => Number.isInteger(pid) && pid > 0)
    .sort((a, b) => a - b);
}

async function adminClient(port: number, password: string) {
  const { default: postgres } = await import("postgres");
  return postgres({
    host: "127.0.0.1",
    port,
    user: SUPERUSER,
    password,
    database: "postgres",
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "labbook admin" },
  });
}

export async function embeddedStatus(dataDir: string): Promise<EmbeddedStatus> {
  const paths = embeddedPaths(dataDir);
  const pm = await postmaster(paths);
  const status: EmbeddedStatus = {
    initialised: existsSync(path.join(paths.pgdata, "PG_VERSION")),
    running: pm !== undefined,
    pgdata: paths.pgdata,
    ...(pm ?? {}),
  };
  if (!pm) return status;
  const state = await readState(paths);
  status.mode = modeOf(state, pm);
  if (state) {
    const sql = await adminClient(pm.port, state.password);
    // Best effort: a server that is stopping or still starting has no list of clients to give.
    const clients = await labbookClients(sql).catch(() => undefined);
    await sql.end({ timeout: 1 }).catch(() => {});
    if (clients) status.clients = clients;
  }
  return status;
}

async function initialise(dataDir: string, log: Logger): Promise<State> {
  const paths = embeddedPaths(dataDir);
  if (existsSync(path.join(paths.pgdata, "PG_VERSION"))) {
    throw new LabbookError(`embedded PostgreSQL: ${paths.stateFile} is missing, so the cluster's password is unknown`, {
      code: "E_DATABASE",
      details: [`Restore that file, or remove ${paths.pgdata} to create a new cluster ("labbook seed" refills it).`],
    });
  }
  await mkdir(dataDir, { recursive: true });
  const link = path.join(dataDir, "postgres");
  const home = await clusterHome(dataDir, userInfo().uid === 0);
  const pgdata = path.join(home, "postgres");
  // Whatever stands where the cluster goes holds no complete cluster, and initdb refuses a non-empty directory:
  // keep it aside rather than delete it.
  for (const stale of new Set([link, pgdata])) {
    if (lstatSync(stale, { throwIfNoEntry: false })?.isSymbolicLink()) await rm(stale);
    else if (existsSync(stale)) {
      const aside = `${stale}.incomplete-${Date.now()}`;
      await rename(stale, aside);
      log.warn(`embedded PostgreSQL: ${stale} held no usable cluster; moved it to ${aside}`);
    }
  }
  if (home === dataDir) {
    log.info(`embedded PostgreSQL: creating a cluster in ${path.relative(process.cwd(), pgdata) || "."}`);
  } else {
    await mkdir(home, { recursive: true, mode: 0o755 });
    log.info(
      `embedded PostgreSQL: creating a cluster in ${pgdata}, linked from ${link}: the server runs as the postgres ` +
        "user, and a parent directory of the data dir is closed to it",
    );
  }
  // initdb into a scratch directory renamed into place, so a crash part way leaves no half cluster behind.
  const scratch = `${pgdata}.init`;
  await rm(scratch, { recursive: true, force: true });
  const state: State = { password: randomBytes(18).toString("base64url") };
  await initCluster(await pgInstall(log), scratch, state.password);
  await rename(scratch, pgdata);
  if (pgdata !== link) await symlink(pgdata, link);
  return writeState(embeddedPaths(dataDir), state);
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** True when this call started the server. */
  started: boolean;
  /** Who stops it; see EmbeddedMode. */
  mode: EmbeddedMode;
}

/**
 * Makes sure the embedded server is initialised and running, and returns its URL. A server that is already running
 * is reused; `persistent` makes it persistent, `on-demand` leaves its mode as it is. Call it holding
 * withEmbeddedLock, and keep holding it until connected, so that no other process can stop the server in between.
 */
export async function ensureEmbedded(
  dataDir: string,
  log: Logger = silentLogger,
  mode: EmbeddedMode = "persistent",
): Promise<EmbeddedServer> {
  let paths = embeddedPaths(dataDir);
  let state = await readState(paths);
  if (!state || !existsSync(path.join(paths.pgdata, "PG_VERSION"))) {
    state = await initialise(dataDir, log);
    paths = embeddedPaths(dataDir);
  }
  let started = false;
  let pm = await postmaster(paths);
  if (!pm) {
    const port = await freePort();
    // Recorded before starting: pg_ctl starts a server that outlives us, so were we killed now, the record still says
    // who stops it (an on-demand server is stopped by the next labbook process out, instead of running for good).
    state = await writeState(paths, { ...state, server: { port, mode } });
    try {
      await pgCtl(await pgInstall(log), [
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
      // Something outside labbook's lock may have started it at the same moment; use theirs if so.
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
    if (started) {
      state = await writeState(paths, { ...state, server: { pid: pm.pid, port: pm.port, mode } });
      log.info(`embedded PostgreSQL: started on 127.0.0.1:${pm.port} (${mode})`);
    }
  } else if (mode === "persistent" && modeOf(state, pm) === "on-demand") {
    state = await writeState(paths, { ...state, server: { pid: pm.pid, port: pm.port, mode } });
    log.info('embedded PostgreSQL: it was started on demand; it now keeps running until "labbook db stop"');
  }
  await ensureDatabase(pm.port, state.password);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(state.password)}@127.0.0.1:${pm.port}/${DATABASE}`;
  return { url, port: pm.port, started, mode: modeOf(state, pm) };
}

/** Starts the server, or reuses a running one, under the embedded lock. */
export function startEmbedded(
  dataDir: string,
  log: Logger = silentLogger,
  mode: EmbeddedMode = "persistent",
): Promise<EmbeddedServer> {
  return withEmbeddedLock(dataDir, () => ensureEmbedded(dataDir, log, mode));
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const sql = await adminClient(port, password);
  try {
    const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE}`;
    if (rows.length === 0) await sql.unsafe(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await sql.end();
  }
}

/**
 * Stops the running server, if any, whatever its mode. With `onlyOnDemand` a persistent server is left running.
 * Call it holding withEmbeddedLock.
 */
export async function haltEmbedded(
  dataDir: string,
  log: Logger = silentLogger,
  onlyOnDemand = false,
): Promise<boolean> {
  const paths = embeddedPaths(dataDir);
  const pm = await postmaster(paths);
  if (!pm) return false;
  const state = await readState(paths);
  if (onlyOnDemand && modeOf(state, pm) !== "on-demand") return false;
  await pgCtl(await pgInstall(), ["stop", "-w", "-m", "fast", "-D", paths.pgdata]);
  if (state?.server) await writeState(paths, { password: state.password });
  log.info("embedded PostgreSQL: stopped");
  return true;
}

/** Stops the server whatever its mode (`labbook db stop`), under the embedded lock. */
export function stopEmbedded(dataDir: string, log: Logger = silentLogger): Promise<boolean> {
  return withEmbeddedLock(dataDir, () => haltEmbedded(dataDir, log));
}

/** Makes the data dir readable by the postgres user when running as root. */
export async function shareDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
}
