import net from "node:net";
import postgres, { type Options, type Sql } from "postgres";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { startEmbedded, stopEmbedded } from "./embedded.ts";

/** Where a connection points, with the password left out: safe for logs and lineage. */
export interface SourceInfo {
  /** e.g. `postgres://postgres@127.0.0.1:5432/labbook` */
  uri: string;
  host: string;
  port: number;
  database: string;
  user: string;
  embedded: boolean;
}

export interface Database {
  sql: Sql;
  info: SourceInfo;
  /** The full URL, credentials included: never log or record it. */
  url: string;
  /** A new single-connection client with the same settings; the caller closes it. */
  dedicated(): Dedicated;
  close(): Promise<void>;
}

/** A client of its own, for a COPY: `close()` ends it and then destroys whatever socket the end left open. */
export interface Dedicated {
  sql: Sql;
  close(): Promise<void>;
}

/**
 * Opens postgres.js's sockets itself, to keep hold of them. A COPY … TO STDOUT stream destroyed part way (an
 * interrupted ingest) leaves its socket paused for good: `end()` never sees the server hang up, and that one socket
 * keeps the process alive after the command has finished.
 */
function trackedSockets() {
  const open = new Set<net.Socket>();
  return {
    socket(options: { host: string[]; port: number[]; path?: string | false }): net.Socket {
      const s = options.path ? net.connect(options.path) : net.connect(options.port[0]!, options.host[0]!);
      open.add(s);
      s.once("close", () => open.delete(s));
      return s;
    },
    destroyAll(): void {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}

export function describeUrl(url: string, embedded = false): SourceInfo {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LabbookError("DATABASE_URL is not a valid URL", {
      code: "E_CONFIG",
      details: ["Expected postgres://user:password@host:port/database."],
    });
  }
  const host = parsed.hostname || "localhost";
  const port = Number(parsed.port || 5432);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "postgres";
  const user = decodeURIComponent(parsed.username);
  return {
    uri: `postgres://${user ? `${user}@` : ""}${host}:${port}/${database}`,
    host,
    port,
    database,
    user,
    embedded,
  };
}

/** Removes anything that looks like the password of a URL from a message. */
export function redact(text: string, url: string | undefined): string {
  if (!url) return text;
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  if (!password) return text;
  return text.replaceAll(password, "***").replaceAll(encodeURIComponent(password), "***");
}

export interface ConnectOptions {
  log?: Logger;
  /** Connections in the pool. */
  max?: number;
  /** Seconds before a connection attempt gives up. */
  connectTimeout?: number;
}

/**
 * Connects to DATABASE_URL or, when it is unset, to the embedded server (started if needed, and stopped again on
 * close when this call started it). Fails within the connect timeout when the server cannot be reached.
 */
export async function connect(config: Config, options: ConnectOptions = {}): Promise<Database> {
  const log = options.log ?? silentLogger;
  const embedded = config.databaseUrl === undefined;
  const server = embedded ? await startEmbedded(config.dataDir, log) : undefined;
  const url = config.databaseUrl ?? server!.url;
  const info = describeUrl(url, embedded);
  const settings: Options<Record<string, never>> = {
    connect_timeout: options.connectTimeout ?? 8,
    onnotice: () => {},
    // Startup parameters win over a server's or database's defaults. COPY prints values in these session formats,
    // and DuckDB reads only ISO timestamps; extra_float_digits=3 prints floats that read back exactly.
    connection: {
      application_name: "labbook",
      TimeZone: "UTC",
      DateStyle: "ISO, MDY",
      IntervalStyle: "postgres",
      extra_float_digits: 3,
    },
  };
  const client = (max: number) => postgres(url, { ...settings, max });
  const sql = client(options.max ?? 4);
  try {
    await sql`SELECT 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    if (server?.started) await stopEmbedded(config.dataDir).catch(() => {});
    throw new LabbookError(`cannot connect to PostgreSQL at ${info.uri}: ${redact((error as Error).message, url)}`, {
      code: "E_DATABASE",
      cause: undefined,
      details: embedded ? [] : ["Check DATABASE_URL, that the server is up, and the credentials."],
    });
  }
  return {
    sql,
    info,
    url,
    dedicated() {
      const sockets = trackedSockets();
      // `socket` is a documented postgres.js option that its types leave out.
      const own = postgres(url, { ...settings, max: 1, socket: sockets.socket } as typeof settings);
      return {
        sql: own,
        async close() {
          await own.end({ timeout: 2 }).catch(() => {});
          sockets.destroyAll();
        },
      };
    },
    async close() {
      // Another labbook process may be using the server this one started; the last one out stops it.
      const others = server?.started
        ? await sql`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND application_name = 'labbook' AND pid <> pg_backend_pid()`
            .then(([r]) => (r?.n as number) - ((options.max ?? 4) - 1))
            .catch(() => 0)
        : 0;
      await sql.end({ timeout: 5 });
      if (server?.started && others <= 0) await stopEmbedded(config.dataDir, log);
    },
  };
}

/** Runs `fn` with a database connection that is closed afterwards, whatever happens. */
export async function withDatabase<T>(
  config: Config,
  fn: (db: Database) => Promise<T>,
  options: ConnectOptions = {},
): Promise<T> {
  const db = await connect(config, options);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
