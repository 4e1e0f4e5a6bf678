import { describe, expect, it } from "vitest";
import { isLabbookError } from "../../loaders/errors.ts";
import { maskUrlPasswords, parseDatabaseUrl, redactSecrets, targetUri } from "../../loaders/sources/database-url.ts";

const env = { PGUSER: "envuser" };
const SECRET = "s3cr:t/@?#% 'q\"x";
const enc = encodeURIComponent(SECRET);
const conninfoSecret = `'${SECRET.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** Forms that parse: the text, where it points, and the password it carries. */
const FORMS: [string, string, string, string | undefined][] = [
  ["with scheme", `postgres://u:${enc}@db.example:5433/app`, "postgres://u@db.example:5433/app", SECRET],
  ["postgresql scheme", `postgresql://u:${enc}@db.example/app`, "postgres://u@db.example:5432/app", SECRET],
  ["no scheme", "u:secret@db.example/app", "postgres://u@db.example:5432/app", "secret"],
  ["no scheme, port", "u:secret@db.example:6000/app", "postgres://u@db.example:6000/app", "secret"],
  [
    "unencoded / and @ in the password",
    "postgres://u:pa/ss@rd@db.example/app",
    "postgres://u@db.example:5432/app",
    "pa/ss@rd",
  ],
  [
    "password in the query",
    "postgres://u@db.example/app?password=qsecret",
    "postgres://u@db.example:5432/app",
    "qsecret",
  ],
  [
    "encoded password in the query",
    `postgres://db.example/app?user=u&password=${enc}`,
    "postgres://u@db.example:5432/app",
    SECRET,
  ],
  [
    "socket dir as host",
    "postgres://u:secret@%2Fvar%2Frun%2Fpostgresql/app",
    "postgres://u@%2Fvar%2Frun%2Fpostgresql:5432/app",
    "secret",
  ],
  [
    "socket dir in the query",
    "postgresql:///app?host=/tmp&user=u&password=secret",
    "postgres://u@%2Ftmp:5432/app",
    "secret",
  ],
  [
    "conninfo",
    `host=db.example port=5433 dbname=app user=u password=${conninfoSecret}`,
    "postgres://u@db.example:5433/app",
    SECRET,
  ],
  [
    "conninfo, bare password",
    "dbname=app user=u password=bare\\ secret host=/tmp",
    "postgres://u@%2Ftmp:5432/app",
    "bare secret",
  ],
  ["IPv6 host", "postgres://u:secret@[::1]:5432/app", "postgres://u@[::1]:5432/app", "secret"],
  ["multi-host", "postgres://u:secret@h1:5432,h2:5433/app", "postgres://u@h1:5432,h2:5433/app", "secret"],
  ["no password", "postgres://u@db.example/app", "postgres://u@db.example:5432/app", undefined],
  ["defaults", "postgres://", "postgres://envuser@localhost:5432/envuser", undefined],
];

describe("parseDatabaseUrl", () => {
  it.each(FORMS)("reads %s", (_name, text, uri, password) => {
    const t = parseDatabaseUrl(text, env);
    expect(targetUri(t)).toBe(uri);
    expect(t.password).toBe(password);
    if (password) {
      expect(targetUri(t)).not.toContain(password);
      // Every way the password is spelled in the text is redacted from a message that quotes the text.
      expect(redactSecrets(`failed: ${text} (${password})`, t.secrets)).not.toContain(password);
      expect(redactSecrets(`failed: ${text}`, t.secrets)).not.toMatch(/secret|s3cr/);
    }
  });

  it("passes other settings on as startup parameters, and reads sslmode and connect_timeout", () => {
    const t = parseDatabaseUrl("postgres://u@h/app?sslmode=require&connect_timeout=3&search_path=lab", env);
    expect(t).toMatchObject({ sslmode: "require", connectTimeout: 3, parameters: { search_path: "lab" } });
  });

  // Each refused with E_CONFIG and a message that quotes no part of the text.
  const REFUSED: [string, string, RegExp][] = [
    ["mysql", "mysql://u:secret@h/app", /a mysql: URL, and labbook reads PostgreSQL only/],
    ["sqlite", "sqlite:secret.db", /a sqlite: URL/],
    ["jdbc", "jdbc:postgresql://h/app?password=secret", /a jdbc: URL/],
    ["http", "https://u:secret@h/app", /a https: URL/],
    ["port not a number", "postgres://u:secret@h:secret/app", /a port is not a number/],
    ["password with an unencoded ?", "postgres://u:se?cret@h/app", /a port is not a number/],
    ["malformed escape", "postgres://u:se%zzcret@h/app", /the password holds a malformed percent-escape/],
    ["unknown keyword", "host=h pwd=secret", /unknown keyword "pwd"/],
    ["no closing quote", "host=h password='secret", /the value of "password" has no closing quote/],
    ["no =", "host=h secret", /has no "="/],
    ["bad sslmode", "postgres://u:secret@h/app?sslmode=always", /sslmode takes one of/],
  ];
  it.each(REFUSED)("refuses %s", (_name, text, message) => {
    let error: unknown;
    try {
      parseDatabaseUrl(text, env);
    } catch (e) {
      error = e;
    }
    expect(isLabbookError(error, "E_CONFIG")).toBe(true);
    const e = error as Error & { details: string[] };
    expect(e.message).toMatch(message);
    expect([e.message, ...e.details].join("\n")).not.toMatch(/secret|se\?cret/);
  });
});

describe("maskUrlPasswords", () => {
  it("masks the password of any URL quoted in a message", () => {
    expect(maskUrlPasswords("at postgres://u:hunter2@h/db and mysql://root:pw@x")).toBe(
      "at postgres://u:***@h/db and mysql://root:***@x",
    );
  });
});
