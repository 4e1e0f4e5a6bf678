import net from "node:net";
import postgres, { type Options, type Sql } from "postgres";
import type { Config } from "../config.ts";
import { LabbookError, isLabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { parseDatabaseUrl, redactSecrets, targetUri, type ConnectionTarget } from "./database-url.ts";
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
 * Opens postgres.js's sockets itself, to keep hold of them and to count them.
 *
 * Kept: a COPY … TO STDOUT stream destroyed part way (an interrupted ingest) leaves its socket paused for good: `end()`
 * never sees the server hang up, and that one socket keeps the process alive after the command has finished.
 *
 * Counted: postgres.js opens a new connection at once whenever one closes before the server is ready, with no limit.
 * A server that answers with something other than PostgreSQL's protocol and hangs up made it open about 20,000
 * connections in 30 s. Until a query has succeeded, a few attempts are allowed; after that, a few per minute.
 */
function trackedSockets(where: string, attempts: number) {
  const open = new Set<net.Socket>();
  let proven = false;
  let opened: number[] = [];
  let tries = 0;
  return {
    socket(options: { host: string[]; port: number[]; path?: string | false }): net.Socket {
      const now = performance.now();
      opened = proven ? opened.filter((t) => now - t < 60_000) : opened;
      if (opened.length >= attempts) {
        throw new LabbookError(
          `the server at ${where} closed ${opened.length} connections without completing PostgreSQL's startup`,
          {
            code: "E_DATABASE",
            details: ["Check that DATABASE_URL names a PostgreSQL server, and its port (5432 by default)."],
          },
        );
      }
      // postgres.js leaves choosing among the hosts of a multi-host target to the factory: take them in turn.
      const i = tries++ % options.host.length;
      opened.push(now);
      const s = options.path ? net.connect(options.path) : net.connect(options.port[i]!, options.host[i]!);
      open.add(s);
      s.once("close", () => open.delete(s));
      return s;
    },
    /** A query succeeded: the server speaks PostgreSQL, so reconnecting is allowed again, a few times a minute. */
    proven(): void {
      proven = true;
      opened = [];
    },
    destroyAll(): void {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}

/** Where a connection string points, without its password. Throws E_CONFIG for a malformed or foreign URL. */
export function describeUrl(url: string, embedded = false): SourceInfo {
  return describeTarget(parseDatabaseUrl(url), embedded);
}

function describeTarget(t: ConnectionTarget, embedded: boolean): SourceInfo {
  return {
    uri: targetUri(t),
    host: t.socketDir ?? t.hosts.join(","),
    port: t.ports[0]!,
    database: t.database,
    user: t.user,
    embedded,
  };
}

/** Removes every spelling of the URL's password from a message, and masks the password of any URL it quotes. */
export function redact(text: string, url: string | undefined): string {
  let secrets: string[] = [];
  try {
    if (url) secrets = parseDatabaseUrl(url).secrets;
  } catch {
    // A URL that does not parse was never used to connect; the mask below still covers URL-shaped text.
  }
  return redactSecrets(text, secrets);
}

/** postgres.js options for a parsed target: passed as an object, so postgres.js never parses the text itself. */
function clientOptions(t: ConnectionTarget): Options<Record<string, never>> {
  const ssl = t.sslmode === undefined ? undefined : SSL[t.sslmode];
  return {
    host: t.hosts,
    port: t.ports,
    ...(t.socketDir ? { path: `${t.socketDir}/.s.PGSQL.${t.ports[0]}` } : {}),
    database: t.database,
    username: t.user,
    ...(t.password !== undefined ? { pass: t.password } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
    ...(t.targetSessionAttrs ? { target_session_attrs: t.targetSessionAttrs } : {}),
    // postgres.js takes a list of hosts and ports (a multi-host target), which its types leave out.
  } as unknown as Options<Record<string, never>>;
}

const SSL: Record<string, Options<Record<string, never>>["ssl"]> = {
  disable: false,
  allow: "allow",
  prefer: "prefer",
  require: "require",
  "verify-ca": "verify-full",
  "verify-full": "verify-full",
};

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
  // Parsed before anything starts: a malformed or foreign DATABASE_URL is a config error, not a failed connection.
  if (!embedded) parseDatabaseUrl(config.databaseUrl!);
  const settings = (t: ConnectionTarget): Options<Record<string, never>> => ({
    ...clientOptions(t),
    connect_timeout: options.connectTimeout ?? t.connectTimeout ?? 8,
    // An embedded server counts this process's open connections as its use of the server, so they stay open.
    ...(embedded ? { max_lifetime: 0 } : {}),
    onnotice: () => {},
    // Startup parameters win over a server's or database's defaults. COPY prints values in these session formats,
    // and DuckDB reads only ISO timestamps; extra_float_digits=3 prints floats that read back exactly.
    connection: {
      application_name: clientTag(),
      ...t.parameters,
      TimeZone: "UTC",
      DateStyle: "ISO, MDY",
      IntervalStyle: "postgres",
      extra_float_digits: 3,
    },
  });
  /** A client whose sockets are counted: see trackedSockets. */
  const client = (url: string, max: number) => {
    const t = parseDatabaseUrl(url);
    const where = t.socketDir ?? t.hosts.map((h, i) => `${h}:${t.ports[i]}`).join(",");
    const sockets = trackedSockets(where, Math.max(3, 2 * t.hosts.length));
    // `socket` is a documented postgres.js option that its types leave out.
    const sql = postgres({ ...settings(t), max, socket: sockets.socket } as Options<Record<string, never>>);
    return { sql, sockets, target: t };
  };
  const open = async (url: string): Promise<Sql> => {
    const { sql, sockets, target } = client(url, options.max ?? 4);
    const seconds = options.connectTimeout ?? target.connectTimeout ?? 8;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Bounded as a whole too: postgres.js's own timeout restarts with every connection it opens.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${seconds} s`)),
          (seconds * target.hosts.length + 1) * 1000,
        );
      });
      await Promise.race([sql`SELECT 1`, deadline]);
      sockets.proven();
      return sql;
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      sockets.destroyAll();
      const info = describeTarget(target, embedded);
      const reason = redactSecrets(connectReason(error, seconds), target.secrets);
      throw new LabbookError(`cannot connect to PostgreSQL at ${info.uri}: ${reason}`, {
        code: "E_DATABASE",
        cause: undefined,
        details: isLabbookError(error)
          ? error.details
          : embedded
            ? []
            : ["Check DATABASE_URL, that the server is up, and the credentials."],
      });
    } finally {
      clearTimeout(timer);
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
      const own = client(url, 1);
      // The pool has connected, so the server speaks PostgreSQL.
      own.sockets.proven();
      return {
        sql: own.sql,
        async close() {
          await own.sql.end({ timeout: 2 }).catch(() => {});
          own.sockets.destroyAll();
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

/** Why a connection failed, in words: postgres.js says CONNECT_TIMEOUT with its own prefix. */
function connectReason(error: unknown, seconds: number): string {
  const e = error as { code?: string; message?: string };
  if (e?.code === "CONNECT_TIMEOUT") return `no answer within ${seconds} s`;
  return e?.message ?? String(error);
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
