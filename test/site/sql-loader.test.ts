import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../loaders/config.ts";
import { runSql } from "../../loaders/deliver/sql.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import { pseudonymizer, pseudonymKey, type PseudonymKey } from "../../loaders/pseudonym.ts";
import { runSqlLoader } from "../../loaders/site/sql-loader.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";

const run = promisify(execFile);

/**
 * The SQL loader runner on its own, with real DuckDB over real pinned versions: what a `.json.sql` file prints, and
 * how it fails. (test/site/authoring.test.ts runs loaders through a real Framework build.)
 */
describe("SQL loaders", () => {
  let project: TestProject;
  let key: PseudonymKey;
  const env = { LABBOOK_PSEUDONYM_KEY: "a-key-for-the-sql-loader-tests" };
  const loader = async (name: string, sql: string) => {
    const file = path.join(project.root, "src", name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, sql);
    return file;
  };
  const runLoader = async (name: string, sql: string, params?: Record<string, string>) =>
    runSqlLoader({ config: project.config, file: await loader(name, sql), params, key });
  const failure = (name: string, sql: string) => runLoader(name, sql).catch((e) => e);

  beforeAll(async () => {
    project = await createProject();
    const at = Date.UTC(2025, 6, 1);
    const events = await makeVersion(
      project.config,
      "behavioral_events",
      `SELECT 'user-' || (i % 7) AS "userId", ['open', 'close', 'it''s'][1 + i % 3] AS "eventType",
         TIMESTAMPTZ '2025-06-01 00:00:00+00' + to_hours(i) AS "timestamp", i AS n
       FROM range(500) t(i)`,
      at,
    );
    const context = await makeVersion(project.config, "context_metadata", "SELECT 'user-1' AS \"userId\"", at + 1);
    await writePins(project.config.lineageDir, {
      default: { behavioral_events: events, context_metadata: context },
    });
    key = await pseudonymKey(project.config, env);
  });
  afterAll(() => project?.remove());

  it("prints the same rows as `labbook sql` of the same query over the same pins", async () => {
    const sql = `SELECT "eventType", count(*) AS n, min("timestamp") AS first FROM behavioral_events GROUP BY ALL ORDER BY 1`;
    const printed = JSON.parse(await runLoader("same.json.sql", sql));
    expect(printed).toEqual((await runSql(project.config, sql)).rows);
    expect(printed[0]).toEqual({ eventType: "close", n: 167, first: "2025-06-01T01:00:00.000Z" });
  });

  it("gives dates as YYYY-MM-DD, timestamps as ISO UTC, and integers as numbers where they are safe", async () => {
    const printed = JSON.parse(
      await runLoader(
        "types.json.sql",
        `SELECT DATE '2025-06-01' AS d, TIMESTAMPTZ '2025-06-01 12:30:00.123456+02' AS t, 42::BIGINT AS i,
           9007199254740993::HUGEINT AS big, 1.5::DECIMAL(4,2) AS dec, [DATE '2025-01-02'] AS days
         FROM behavioral_events LIMIT 1`,
      ),
    );
    expect(printed).toEqual([
      {
        d: "2025-06-01",
        t: "2025-06-01T10:30:00.123456Z",
        i: 42,
        big: "9007199254740993",
        dec: 1.5,
        days: ["2025-01-02"],
      },
    ]);
  });

  it("shows person columns only as pseudonyms, whatever the query selects", async () => {
    const printed = JSON.parse(
      await runLoader(
        "people.json.sql",
        `SELECT e."userId", count(*) AS n FROM behavioral_events e JOIN context_metadata c USING ("userId") GROUP BY ALL`,
      ),
    );
    // The join still works: both views pseudonymize the same id the same way.
    expect(printed).toEqual([{ userId: pseudonymizer(key)("user-1"), n: 72 }]);
    expect(JSON.stringify(printed)).not.toContain("user-1");
  });

  it("orders rows by every column when the query has no ORDER BY, so the same pins give the same bytes", async () => {
    const sql = `SELECT n % 50 AS bucket, "eventType", count(*) AS k FROM behavioral_events GROUP BY ALL`;
    const first = await runLoader("unordered.json.sql", sql);
    expect(await runLoader("unordered.json.sql", sql)).toBe(first);
    const rows = JSON.parse(first) as { bucket: number; eventType: string }[];
    const sorted = [...rows].sort((a, b) => a.bucket - b.bucket || (a.eventType < b.eventType ? -1 : 1));
    expect(rows).toEqual(sorted);
  });

  it("binds a route parameter, quote and all, never pasting it into the SQL", async () => {
    // Run as Framework runs it: the runner's own program, the parameter as --protocol=value.
    const file = await loader(
      "experiments/[protocol].json.sql",
      `SELECT $protocol AS protocol, count(*) AS n FROM behavioral_events WHERE "eventType" = $protocol`,
    );
    const runner = path.join(projectRoot, "loaders", "site", "sql-main.ts");
    const exec = (value: string) =>
      run(process.execPath, ["--import", "tsx", runner, file, `--protocol=${value}`], {
        cwd: projectRoot,
        env: { ...process.env, ...project.env, ...env },
      });
    expect(JSON.parse((await exec("it's")).stdout)).toEqual([{ protocol: "it's", n: 166 }]);
    const injection = "x' OR '1'='1";
    expect(JSON.parse((await exec(injection)).stdout)).toEqual([{ protocol: injection, n: 0 }]);
  });

  it("refuses output over 1 MB, naming the file and the size", async () => {
    const error = await failure(
      "big.json.sql",
      `SELECT n, repeat('x', 3000) AS padding FROM behavioral_events ORDER BY n`,
    );
    expect(error.message).toMatch(
      /^src\/big\.json\.sql: output is 1\.\d\d MB \(500 rows\), over the 1 MB a page may load$/,
    );
    expect(error.details[0]).toMatch(/^Aggregate in the query/);
  });

  it("fails naming the file, the dataset and the pin set for a dataset the pins leave out", async () => {
    const error = await failure("unpinned.json.sql", "SELECT count(*) AS n FROM sessions");
    expect(error).toMatchObject({
      code: "E_NOT_FOUND",
      message: 'src/unpinned.json.sql reads sessions, which pin set "default" does not pin',
    });
    expect(error.details[0]).toBe('Pinned in "default": behavioral_events, context_metadata.');
  });

  it("refuses other files, ATTACH, COPY, INSTALL and settings, naming the file and what it tried", async () => {
    const cases: [string, string][] = [
      ["SELECT * FROM read_csv('/etc/passwd')", "calls read_csv()"],
      ["SELECT * FROM '/etc/passwd'", "reads '/etc/passwd', which is not a dataset"],
      ["ATTACH '/tmp/other.db' AS other", "is ATTACH, not SELECT"],
      ["COPY (SELECT 1) TO '/tmp/out.csv'", "is COPY, not SELECT"],
      ["INSTALL httpfs", "is INSTALL, not SELECT"],
      ["SET enable_external_access = true", "is SET, not SELECT"],
      ["SELECT 1 AS a; SELECT 2 AS b", "has 2 statements; a SQL loader runs exactly one SELECT"],
    ];
    for (const [sql, what] of cases) {
      const error = await failure("bad.json.sql", sql);
      expect(error.message, sql).toBe(`src/bad.json.sql: not allowed: the query ${what}`);
    }
  });

  it("reports a SQL error with the file and the line DuckDB points at", async () => {
    const error = await failure(
      "typo.json.sql",
      `SELECT "eventType",\n  count(*) AS n\nFROM behavioral_events\nGROUP BY nope`,
    );
    expect(error.message).toMatch(/^src\/typo\.json\.sql:4: Binder Error: .*"nope"/);
    expect(error.message).toContain("LINE 4: GROUP BY nope");
    const unbound = await failure("param.json.sql", "SELECT $protocol AS p FROM behavioral_events");
    expect(unbound.message).toBe("src/param.json.sql: the query uses $protocol, which no route gives");
  });
});
