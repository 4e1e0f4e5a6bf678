import { readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLabbookError } from "../../loaders/errors.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { connect } from "../../loaders/sources/postgres.ts";
import { runCli } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";
import { listTree } from "../util/tree.ts";

/** A loopback server: `garbage` answers every connection with bytes that are not PostgreSQL's and hangs up; `silent`
 * accepts and never answers. Counts the connections it receives. */
async function listen(kind: "garbage" | "silent") {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    if (kind === "garbage") socket.end("HTTP/1.1 400 Bad Request\r\n\r\n\u0000\u0001garbage");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("connecting fails fast, on loopback only", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject();
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("gives up on a server that answers with garbage after a few connections, naming the host but not the password", async () => {
    const server = await listen("garbage");
    try {
      const url = `postgres://reader:hunter2-garbage@127.0.0.1:${server.port}/app`;
      const { code, stdout, stderr } = await runCli(["ingest", "experiment_protocols", "--json"], {
        ...project.env,
        DATABASE_URL: url,
      });
      expect(code).toBe(1);
      expect(JSON.parse(stdout).error.code).toBe("E_DATABASE");
      expect(stderr).toContain(`cannot connect to PostgreSQL at postgres://reader@127.0.0.1:${server.port}/app`);
      expect(stderr).toContain("without completing PostgreSQL's startup");
      expect(stdout + stderr).not.toContain("hunter2");
      // Unbounded, postgres.js reconnected at once, every time: about 20,000 connections in 30 s.
      expect(server.connections()).toBeLessThanOrEqual(3);
    } finally {
      await server.close();
    }
  });

  it("gives up on a server that accepts and never answers after its connect timeout, with one connection", async () => {
    const server = await listen("silent");
    try {
      const url = `postgres://reader:hunter2-silent@127.0.0.1:${server.port}/app?connect_timeout=1`;
      const { code, stdout, stderr } = await runCli(["ingest", "experiment_protocols", "--json"], {
        ...project.env,
        DATABASE_URL: url,
      });
      expect(code).toBe(1);
      expect(JSON.parse(stdout).error.code).toBe("E_DATABASE");
      expect(stderr).toContain(`cannot connect to PostgreSQL at postgres://reader@127.0.0.1:${server.port}/app`);
      expect(stderr).toContain("no answer within 1 s");
      expect(stdout + stderr).not.toContain("hunter2");
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });
});

// Every character that needs escaping in one form or another: URL delimiters, a quote, a space, a backslash.
const SECRET = "s3cr:t/@?#% 'q\"\\x";
const enc = encodeURIComponent(SECRET);
const quoted = `'${SECRET.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

describe("the password of DATABASE_URL reaches no output, in any form of the URL", () => {
  let db: TestDatabase;
  let project: TestProject;
  let role: string;
  let port: string;
  let name: string;
  beforeAll(async () => {
    db = await createTestDatabase("secret");
    await seedDatabase(db.sql, { ...DEFAULT_SEED_OPTIONS, users: 4, days: 10, events: 200 }, "pascal");
    role = `reader_${path.basename(db.url).split("_")[1]}`;
    await db.sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${SECRET.replaceAll("'", "''")}'`);
    await db.sql.unsafe(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const url = new URL(db.url);
    port = url.port;
    name = url.pathname.slice(1);
    project = await createProject();
  });
  afterAll(async () => {
    await db?.drop();
    await db?.sql.unsafe(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    await project?.remove();
  });

  const connects = (): [string, string][] => [
    ["URL, encoded password", `postgres://${role}:${enc}@127.0.0.1:${port}/${name}`],
    ["postgresql scheme, password in the query", `postgresql://${role}@127.0.0.1:${port}/${name}?password=${enc}`],
    ["no scheme", `${role}:${enc}@127.0.0.1:${port}/${name}`],
    ["key=value", `host=127.0.0.1 port=${port} dbname=${name} user=${role} password=${quoted}`],
    ["user and password in the query", `postgres://127.0.0.1:${port}/${name}?user=${role}&password=${enc}`],
  ];
  const fails = (closed: number): [string, string, string][] => [
    ["wrong password", `postgres://${role}:${enc}nope@127.0.0.1:${port}/${name}`, "E_DATABASE"],
    ["no such database", `postgres://${role}:${enc}@127.0.0.1:${port}/${name}_none`, "E_DATABASE"],
    ["nothing listening", `postgres://${role}:${enc}@127.0.0.1:${closed}/${name}`, "E_DATABASE"],
    ["missing socket dir", `postgres://${role}:${enc}@%2Fnonexistent-labbook/${name}`, "E_DATABASE"],
    ["SSL required", `postgres://${role}:${enc}@127.0.0.1:${port}/${name}?sslmode=require`, "E_DATABASE"],
    ["no scheme, unencoded", `${role}:${SECRET}@127.0.0.1:${port}/${name}`, "E_CONFIG"],
    ["key=value, unquoted", `host=127.0.0.1 port=${port} password=${SECRET}`, "E_CONFIG"],
    ["mysql", `mysql://${role}:${enc}@127.0.0.1/${name}`, "E_CONFIG"],
    ["jdbc", `jdbc:postgresql://127.0.0.1:${port}/${name}?user=${role}&password=${enc}`, "E_CONFIG"],
  ];
  const leaks = (text: string) => [SECRET, enc, "s3cr"].filter((s) => text.includes(s));

  it("connects with each form, and describes it without the password", async () => {
    for (const [form, url] of connects()) {
      const conn = await connect({ ...project.config, databaseUrl: url });
      try {
        expect(conn.info, form).toMatchObject({ host: "127.0.0.1", port: Number(port), database: name, user: role });
        expect(leaks(JSON.stringify(conn.info)), form).toEqual([]);
        expect((await conn.sql`SELECT current_user AS u`)[0]!.u).toBe(role);
      } finally {
        await conn.close();
      }
    }
  });

  it("fails with each bad form with a message that holds no part of the password", async () => {
    for (const [form, url, code] of fails(await closedPort())) {
      const error = await connect({ ...project.config, databaseUrl: url }, { connectTimeout: 2 }).then(
        async (c) => {
          await c.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(isLabbookError(error, code as "E_DATABASE"), `${form}: ${String(error)}`).toBe(true);
      const e = error as Error & { details: string[] };
      expect(leaks([e.message, ...e.details].join("\n")), form).toEqual([]);
    }
  });

  it("ingests through the CLI with a URL without scheme: no password on stderr, in --json or in the record", async () => {
    const [, url] = connects()[2]!;
    const ok = await runCli(["ingest", "experiment_protocols", "--json"], { ...project.env, DATABASE_URL: url });
    expect(ok.stderr).not.toContain("error:");
    expect(ok.code).toBe(0);
    const records = (await listTree(project.config.lineageDir)).filter((f) => f.endsWith(".json"));
    expect(records.length).toBeGreaterThan(0);
    const text = (
      await Promise.all(records.map((f) => readFile(path.join(project.config.lineageDir, f), "utf8")))
    ).join("\n");
    expect(text).toContain(`postgres://${role}@127.0.0.1:${port}/${name}`);
    expect(leaks(ok.stdout + ok.stderr + text)).toEqual([]);

    const [, bad] = fails(0)[0]!;
    const failed = await runCli(["ingest", "experiment_protocols", "--json"], { ...project.env, DATABASE_URL: bad });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe("E_DATABASE");
    expect(failed.stderr).toContain(`postgres://${role}@127.0.0.1:${port}/${name}`);
    expect(leaks(failed.stdout + failed.stderr)).toEqual([]);
  });
});
