import { userInfo } from "node:os";
import { LabbookError } from "../errors.ts";

/**
 * Where DATABASE_URL points, parsed once from any form it may take: a `postgres://` or `postgresql://` URL, the same
 * without its scheme, or a libpq key=value string. Connecting, describing and redacting all read this one parse.
 */
export interface ConnectionTarget {
  /** Host names or addresses, one per host of a multi-host URL; or, for a Unix socket, the socket's directory. */
  hosts: string[];
  ports: number[];
  /** Set when the host is a Unix-socket directory (a path starting with "/"). */
  socketDir: string | undefined;
  database: string;
  user: string;
  password: string | undefined;
  /** The libpq `sslmode`, if given. */
  sslmode: string | undefined;
  /** The libpq `connect_timeout` in seconds, if given. */
  connectTimeout: number | undefined;
  targetSessionAttrs: string | undefined;
  /** Other settings, sent as startup parameters (as postgres.js does with a URL's query): `options`, `search_path`… */
  parameters: Record<string, string>;
  /** Every spelling of the password the text holds: a message is redacted of each. */
  secrets: string[];
}

const SCHEMES = new Set(["postgres", "postgresql"]);
// Prefixes of other databases' URLs that carry no "//" (sqlite:file.db, jdbc:postgresql://…).
const FOREIGN = /^(sqlite3?|mysql|mariadb|jdbc|file|mongodb(\+srv)?|redis|mssql|sqlserver|oracle|duckdb|clickhouse):/i;
const CONNINFO = /^\s*[A-Za-z_]+\s*=/;
/** libpq keywords labbook understands; any other in a key=value string is refused, as libpq refuses it. */
const KEYWORDS = new Set([
  "host",
  "hostaddr",
  "port",
  "dbname",
  "user",
  "password",
  "sslmode",
  "connect_timeout",
  "target_session_attrs",
  "application_name",
  "options",
]);
const SSLMODES = new Set(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);

/** A config error that never quotes the URL: any part of it may be the password. */
const invalid = (what: string, details: string[] = []) =>
  new LabbookError(`DATABASE_URL is not a valid PostgreSQL connection string: ${what}`, {
    code: "E_CONFIG",
    details: [
      ...details,
      "Expected postgres://user:password@host:port/database (percent-encode @ : / ? # % in the password),",
      "or key=value pairs: host=… port=… dbname=… user=… password='…'.",
    ],
  });

/** Parses DATABASE_URL. Throws E_CONFIG, quoting nothing of the text, when it is malformed or names another database. */
export function parseDatabaseUrl(text: string, env: NodeJS.ProcessEnv = process.env): ConnectionTarget {
  const trimmed = text.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(trimmed)?.[1] ?? FOREIGN.exec(trimmed)?.[1];
  let fields: Fields;
  if (scheme !== undefined) {
    if (!SCHEMES.has(scheme.toLowerCase()))
      throw new LabbookError(`DATABASE_URL is a ${scheme}: URL, and labbook reads PostgreSQL only`, {
        code: "E_CONFIG",
        details: [
          scheme.toLowerCase() === "jdbc"
            ? "Drop the jdbc: prefix: labbook takes postgres://user:password@host:port/database."
            : "Point DATABASE_URL at a PostgreSQL database: postgres://user:password@host:port/database.",
        ],
      });
    fields = parseUri(trimmed.slice(scheme.length + 3));
  } else if (CONNINFO.test(trimmed)) {
    fields = parseConninfo(trimmed);
  } else {
    // No scheme: read as a URL without its "postgres://", which is what "user:password@host/db" means.
    fields = parseUri(trimmed);
  }
  return resolve(fields, env);
}

interface Fields {
  /** host[:port] entries of the authority, or hosts from `host=` (comma-separated). */
  hosts: string[];
  ports: string[];
  settings: Record<string, string>;
  /** Raw spellings of the password as they appear in the text. */
  spelled: string[];
}

function parseUri(rest: string): Fields {
  const fields: Fields = { hosts: [], ports: [], settings: {}, spelled: [] };
  // The userinfo ends at the last "@" before the query: a password may hold an unencoded "/" or "@", and must then
  // never be read as a host or a database name that a message would show.
  const queryAt = rest.indexOf("?");
  const at = rest.lastIndexOf("@", queryAt === -1 ? undefined : queryAt);
  const userinfo = at === -1 ? "" : rest.slice(0, at);
  const after = at === -1 ? rest : rest.slice(at + 1);
  if (userinfo) {
    const colon = userinfo.indexOf(":");
    const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    if (user) fields.settings.user = decode(user, "the user name");
    if (colon !== -1) {
      const raw = userinfo.slice(colon + 1);
      fields.spelled.push(raw);
      fields.settings.password = decode(raw, "the password");
    }
  }
  const end = after.search(/[/?]/);
  const authority = end === -1 ? after : after.slice(0, end);
  const tail = end === -1 ? "" : after.slice(end);
  const q = tail.indexOf("?");
  const pathPart = q === -1 ? tail : tail.slice(0, q);
  const query = q === -1 ? "" : tail.slice(q + 1);
  if (authority) {
    for (const entry of authority.split(",")) {
      const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(entry)!;
      fields.hosts.push(decode(m[1]!.replace(/^\[(.*)\]$/, "$1"), "a host"));
      fields.ports.push(m[2] ?? "");
    }
  }
  const database = pathPart.replace(/^\//, "");
  if (database) fields.settings.dbname = decode(database, "the database name");
  for (const pair of query ? query.split("&") : []) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = decode(eq === -1 ? pair : pair.slice(0, eq), "a query parameter");
    const raw = eq === -1 ? "" : pair.slice(eq + 1);
    if (key === "password") fields.spelled.push(raw);
    const value = decode(raw.replaceAll("+", " "), `the value of a query parameter`);
    if (key === "host" || key === "port") {
      const list = value.split(",");
      if (key === "host") fields.hosts = list;
      else fields.ports = list;
    } else fields.settings[key] = value;
  }
  return fields;
}

/** libpq's key=value form: values bare, or in single quotes with \' and \\ escapes. */
function parseConninfo(text: string): Fields {
  const fields: Fields = { hosts: [], ports: [], settings: {}, spelled: [] };
  let i = 0;
  const n = text.length;
  const skip = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  for (skip(); i < n; skip()) {
    const start = i;
    while (i < n && /[A-Za-z_]/.test(text[i]!)) i++;
    const key = text.slice(start, i);
    skip();
    if (!key || text[i] !== "=") throw invalid(`a key=value pair has no "=" (at character ${start + 1})`);
    i++;
    skip();
    let value = "";
    const from = i;
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) throw invalid(`the value of ${safeKey(key)} has no closing quote`);
        const c = text[i++]!;
        if (c === "'") break;
        value += c === "\\" && i < n ? text[i++]! : c;
      }
    } else {
      while (i < n && !/\s/.test(text[i]!)) {
        const c = text[i++]!;
        value += c === "\\" && i < n ? text[i++]! : c;
      }
    }
    if (!KEYWORDS.has(key)) throw invalid(`unknown keyword ${safeKey(key)}`);
    if (key === "password") fields.spelled.push(text.slice(from, i), value);
    if (key === "host" || key === "hostaddr") fields.hosts = value.split(",");
    else if (key === "port") fields.ports = value.split(",");
    else fields.settings[key] = value;
  }
  return fields;
}

const safeKey = (key: string) => (/^[a-z_]{1,40}$/.test(key) ? `"${key}"` : "(not shown)");

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(`${what} holds a malformed percent-escape`);
  }
}

function resolve(fields: Fields, env: NodeJS.ProcessEnv): ConnectionTarget {
  const {
    dbname,
    user: givenUser,
    password,
    sslmode,
    connect_timeout,
    target_session_attrs,
    ...parameters
  } = fields.settings;
  // The host wins over PGHOST, as in libpq; an empty host list means the defaults.
  const hosts = fields.hosts.filter((h) => h !== "");
  const hostList = hosts.length ? hosts : (env.PGHOST ?? "localhost").split(",");
  const fallbackPort = env.PGPORT ?? "5432";
  const ports = hostList.map((_, i) => {
    const raw = fields.ports[i] || fields.ports[0] || fallbackPort;
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port < 1 || port > 65535) throw invalid("a port is not a number from 1 to 65535");
    return port;
  });
  const socket = hostList.find((h) => h.startsWith("/"));
  if (socket && hostList.length > 1) throw invalid("a Unix-socket directory cannot be one host among several");
  if (sslmode !== undefined && !SSLMODES.has(sslmode))
    throw invalid(`sslmode takes one of ${[...SSLMODES].join(", ")}`);
  let connectTimeout: number | undefined;
  if (connect_timeout !== undefined) {
    connectTimeout = Number(connect_timeout);
    if (!/^\d+$/.test(connect_timeout) || connectTimeout < 1 || connectTimeout > 3600)
      throw invalid("connect_timeout takes a whole number of seconds from 1 to 3600");
  }
  const user = givenUser || env.PGUSER || osUser();
  const pass = password ?? (env.PGPASSWORD || undefined);
  const secrets = [...fields.spelled, ...(pass ? [pass, encodeURIComponent(pass)] : [])];
  return {
    hosts: hostList,
    ports,
    socketDir: socket,
    database: dbname || env.PGDATABASE || user,
    user,
    password: pass,
    sslmode,
    connectTimeout,
    targetSessionAttrs: target_session_attrs,
    parameters,
    secrets: [...new Set(secrets.filter((s) => s !== ""))].sort((a, b) => b.length - a.length),
  };
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "postgres";
  }
}

/** `postgres://user@host:port/database`: where a target points, without its password. */
export function targetUri(t: ConnectionTarget): string {
  const host = t.socketDir
    ? encodeURIComponent(t.socketDir)
    : t.hosts.map((h, i) => `${h.includes(":") ? `[${h}]` : h}:${t.ports[i]}`).join(",");
  const port = t.socketDir ? `:${t.ports[0]}` : "";
  return `postgres://${t.user ? `${encodeURIComponent(t.user)}@` : ""}${host}${port}/${encodeURIComponent(t.database)}`;
}

/**
 * The last guard of "no password in any message": whatever a library or a server put in an error or a log line, the
 * password of DATABASE_URL (read after .env is loaded) and that of any URL quoted in it are masked before printing.
 */
export function hideSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let secrets: string[] = [];
  try {
    if (env.DATABASE_URL) secrets = parseDatabaseUrl(env.DATABASE_URL, env).secrets;
  } catch {
    // Malformed: connect() refuses it with a message that quotes none of it.
  }
  return redactSecrets(text, secrets);
}

/** Replaces each of `secrets` in a text, and masks the password of any URL in it. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    out = out.replaceAll(s, "***");
    const json = JSON.stringify(s).slice(1, -1);
    if (json !== s) out = out.replaceAll(json, "***");
  }
  return maskUrlPasswords(out);
}

/** Masks what stands between "user:" and "@" in any URL of a text: a safety net for messages that quote a URL. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@]+@/g, "$1***@");
}
