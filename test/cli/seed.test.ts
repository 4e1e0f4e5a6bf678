import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectNaming } from "../../loaders/sources/naming.ts";
import { runCli } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";

describe("labbook seed against DATABASE_URL", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const args = ["seed", "--events", "3000", "--users", "5", "--days", "30", "--json"];
  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("seeds an empty database and reports the rows as JSON", async () => {
    const { code, stdout, stderr } = await runCli(args, env);
    expect(stderr).not.toContain("error");
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ naming: "pascal", rows: { events: 3000 }, defects: null });
    const [row] = await db.sql`SELECT count(*)::int AS n FROM "BehavioralEvent"`;
    expect(row!.n).toBe(3000);
    // Credentials never reach a log line.
    expect(stderr).not.toContain(new URL(db.url).password);
  });

  it("refuses to replace tables that hold rows", async () => {
    const { code, stdout, stderr } = await runCli(args, env);
    expect(code).toBe(2);
    expect(stderr).toContain('error: seed refused: table "BehavioralEvent" already holds rows');
    expect(JSON.parse(stdout).error).toMatchObject({ code: "E_USAGE" });
  });

  it("replaces them with --replace", async () => {
    const { code, stdout } = await runCli([...args, "--replace", "--events", "1000"], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).rows.events).toBe(1000);
    const [row] = await db.sql`SELECT count(*)::int AS n FROM "BehavioralEvent"`;
    expect(row!.n).toBe(1000);
  });

  it("--naming snake --replace drops the PascalCase tables, so naming detection finds snake", async () => {
    const { code, stdout } = await runCli([...args, "--replace", "--naming", "snake", "--events", "500"], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ naming: "snake", rows: { events: 500 } });
    expect(await detectNaming(db.sql)).toBe("snake");
    const [row] = await db.sql`SELECT to_regclass('"BehavioralEvent"') IS NULL AS gone, count(*)::int AS n
      FROM behavioral_events`;
    expect(row).toEqual({ gone: true, n: 500 });
  });

  it("exits 1 with a clear message when the server cannot be reached", async () => {
    const url = new URL(db.url);
    url.port = "1";
    const { code, stderr } = await runCli(args, { DATABASE_URL: url.toString() });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\//);
    expect(stderr).not.toContain(url.password);
  });
});
