import net from "node:net";
import postgres, { type Options, type Sql } from "postgres";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { clientTag, ensureEmbedded, haltEmbedded, labbookClients, withEmbeddedLock } from "./embedded.ts";

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

/** Databases this process has open on each embedded server's data dir: only its last close may stop the server. */
const openEmbedded = new Map<string, number>();

/**
 * Connects to DATABASE_URL or, when it is unset, to the embedded server, started on demand if it is not running.
 * Closing stops an on-demand server when no other labbook process is connected to it. Fails within the connect
 * timeout when the server cannot be reached.
 */
export async function connect(config: Config, options: ConnectOptions = {}): Promise<Database> {
  const log = options.log ?? silentLogger;
  const { dataDir } = config;
  const embedded = config.databaseUrl === undefined;
  const settings: Options<Record<string, never>> = {
    connect_timeout: options.connectTimeout ?? 8,
    // An embedded server counts this process's open connections as its use of the server, so they stay open.
    ...(embedded ? { max_lifetime: 0 } : {}),
    onnotice: () => {},
    // Startup parameters win over a server's or database's defaults. COPY prints values in these session formats,
    // and DuckDB reads only ISO timestamps; extra_float_digits=3 prints floats that read back exactly.
    connection: {
      application_name: clientTag(),
      TimeZone: "UTC",
      DateStyle: "ISO, MDY",
      IntervalStyle: "postgres",
      extra_float_digits: 3,
    },
  };
  const open = async (url: string): Promise<Sql> => {
    const sql = postgres(url, { ...settings, max: options.max ?? 4 });
    try {
      await sql`SELECT 1`;
      return sql;
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      const info = describeUrl(url, embedded);
      throw new LabbookError(`cannot connect to PostgreSQL at ${info.uri}: ${redact((error as Error).message, url)}`, {
        code: "E_DATABASE",
        cause: undefined,
        details: embedded ? [] : ["Check DATABASE_URL, that the server is up, and the credentials."],
      });
    }
  };
  // The lock is held until this process is connected: until then a closing process could not see it and stop the
  // server under it.
  const { url, sql } = embedded
    ? await withEmbeddedLock(dataDir, async () => {
        const server = await ensureEmbedded(dataDir, log, "on-demand");
        try {
          const sql = await open(server.url);
          openEmbedded.set(dataDir, (openEmbedded.get(dataDir) ?? 0) + 1);
          return { url: server.url, sql };
        } catch (error) {
          if (server.started) await haltEmbedded(dataDir).catch(() => {});
          throw error;
        }
      })
    : { url: config.databaseUrl!, sql: await open(config.databaseUrl!) };
  const info = describeUrl(url, embedded);
  let closed = false;
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
      if (closed) return;
      closed = true;
      if (!embedded) return sql.end({ timeout: 5 });
      try {
        await withEmbeddedLock(dataDir, async () => {
          // Counted under the lock, as connect() counts: another connect() of this process may be under way.
          const here = (openEmbedded.get(dataDir) ?? 1) - 1;
          if (here > 0) openEmbedded.set(dataDir, here);
          else openEmbedded.delete(dataDir);
          // Asked before this process disconnects, under the lock that a starting process holds until it is
          // connected: whoever is last out, the starter or not, stops an on-demand server. No answer: leave it up.
          const others =
            here > 0
              ? undefined
              : await labbookClients(sql).then(
                  (pids) => pids.filter((pid) => pid !== process.pid),
                  () => undefined,
                );
          await sql.end({ timeout: 5 });
          if (others?.length === 0) await haltEmbedded(dataDir, log, true);
        });
      } finally {
        await sql.end({ timeout: 5 });
      }
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
