import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openResearchDb, syncDuckdb } from "../../loaders/deliver/sync-duckdb.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { hashFile } from "../../loaders/store/objects.ts";
import { runCli } from "../util/cli.ts";
import { createTestProject, type TestProject } from "./_project.ts";

describe("syncDuckdb", () => {
  let project: TestProject;
  let small: { version: string; rowCount: number };
  let full: { version: string; rowCount: number };
  let context: string;
  let contextRows: number;
  let db: string;

  beforeAll(async () => {
    project = await createTestProject();
    small = (await project.ingest("behavioral_events", { filters: { since: "2025-06-15" } }))[0]!;
    full = (await project.ingest("behavioral_events"))[0]!;
    ({ version: context, rowCount: contextRows } = (await project.ingest("context_metadata"))[0]!);
    await project.pin({
      a: { behavioral_events: small.version, context_metadata: context },
      b: { behavioral_events: full.version, context_metadata: context },
      events: { behavioral_events: full.version },
    });
    db = project.config.duckdbPath;
  });
  afterAll(async () => {
    await project?.dispose();
  });

  /** Runs `fn` on a connection to the research database, closed afterwards. */
  async function read<T>(fn: (con: Awaited<ReturnType<typeof openResearchDb>>["con"]) => Promise<T>): Promise<T> {
    const { instance, con } = await openResearchDb(project.config, db);
    try {
      return await fn(con);
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  }
  const rows = (con: Awaited<ReturnType<typeof openResearchDb>>["con"], sql: string) =>
    con.runAndReadAll(sql).then((r) => r.getRowObjectsJS());

  it("loads one table per pinned dataset, in sort-key order, with indexes and research.versions", async () => {
    const result = await syncDuckdb(project.config, { pins: "a", clock: () => Date.UTC(2025, 9, 1) });
    expect(result).toMatchObject({ noop: false, pinSet: "a", dropped: [], unchanged: [] });
    expect(result.loaded.map((l) => [l.dataset, l.version, l.indexes])).toEqual([
      ["behavioral_events", small.version, ["user_time", "event_type", "phase"]],
      ["context_metadata", context, ["user_time"]],
    ]);
    expect(path.resolve(result.db)).toBe(path.resolve(project.root, "data", "duckdb", "analytics.duckdb"));
    await read(async (con) => {
      expect(
        await rows(
          con,
          "SELECT dataset, version, row_count::INTEGER AS n, pin_set FROM research.versions ORDER BY dataset",
        ),
      ).toEqual([
        { dataset: "behavioral_events", version: small.version, n: small.rowCount, pin_set: "a" },
        { dataset: "context_metadata", version: context, n: contextRows, pin_set: "a" },
      ]);
      const [count] = await rows(con, "SELECT count(*)::INTEGER AS n FROM research.behavioral_events");
      expect(count!.n).toBe(small.rowCount);
      const [disorder] = await rows(
        con,
        `SELECT count(*)::INTEGER AS n FROM (SELECT "timestamp", id, lag("timestamp") OVER w AS pt, lag(id) OVER w AS pi
           FROM research.behavioral_events WINDOW w AS (ORDER BY rowid)) WHERE pt IS NOT NULL AND ("timestamp", id) < (pt, pi)`,
      );
      expect(disorder!.n).toBe(0);
      const indexes = await rows(
        con,
        "SELECT index_name, table_name FROM duckdb_indexes() WHERE schema_name = 'research' ORDER BY index_name",
      );
      expect(indexes).toEqual([
        { index_name: "behavioral_events_event_type_idx", table_name: "behavioral_events" },
        { index_name: "behavioral_events_phase_idx", table_name: "behavioral_events" },
        { index_name: "behavioral_events_user_time_idx", table_name: "behavioral_events" },
        { index_name: "context_metadata_user_time_idx", table_name: "context_metadata" },
      ]);
    });
  });

  it("is a no-op the second time: nothing is written", async () => {
    const before = await hashFile(db);
    const result = await syncDuckdb(project.config, { pins: "a" });
    expect(result).toMatchObject({
      noop: true,
      loaded: [],
      dropped: [],
      unchanged: ["behavioral_events", "context_metadata"],
    });
    expect(await hashFile(db)).toEqual(before);
  });

  it("a reader polling while it runs sees the old state or the new one, never a mix", async () => {
    const expected = new Map([
      [small.version, small.rowCount],
      [full.version, full.rowCount],
    ]);
    const seen: { version: string; n: number }[] = [];
    await syncDuckdb(project.config, { pins: "a" });
    await read(async (con) => {
      let done = false;
      const poll = (async () => {
        while (!done) {
          const [row] = await rows(
            con,
            `SELECT (SELECT version FROM research.versions WHERE dataset = 'behavioral_events') AS version,
                    (SELECT count(*)::INTEGER FROM research.behavioral_events) AS n`,
          );
          seen.push(row as { version: string; n: number });
        }
      })();
      // Flip between the two versions a few times while the reader polls.
      for (const set of ["b", "a", "b", "a", "b"]) await syncDuckdb(project.config, { pins: set });
      done = true;
      await poll;
    });
    expect(seen.length).toBeGreaterThan(3);
    for (const s of seen) expect(s.n).toBe(expected.get(s.version));
    expect(seen[0]!.version).toBe(small.version);
    // The last poll may have started before the last commit; the state after the syncs is the last set's.
    await read(async (con) => {
      expect(await rows(con, "SELECT version FROM research.versions WHERE dataset = 'behavioral_events'")).toEqual([
        { version: full.version },
      ]);
    });
  });

  it("drops the tables of datasets the pin set no longer pins", async () => {
    const result = await syncDuckdb(project.config, { pins: "events" });
    expect(result).toMatchObject({ dropped: ["context_metadata"], loaded: [], unchanged: ["behavioral_events"] });
    await read(async (con) => {
      const tables = await rows(
        con,
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'research' ORDER BY 1",
      );
      expect(tables.map((t) => t.table_name)).toEqual(["behavioral_events", "versions"]);
      expect(await rows(con, "SELECT dataset, pin_set FROM research.versions")).toEqual([
        { dataset: "behavioral_events", pin_set: "events" },
      ]);
    });
  });

  it("writes where --db says, creating its directory", async () => {
    const other = path.join(project.root, "elsewhere", "research.duckdb");
    const result = await syncDuckdb(project.config, { pins: "events", db: other });
    expect(result.loaded.map((l) => l.dataset)).toEqual(["behavioral_events"]);
    expect(existsSync(other)).toBe(true);
  });

  it("refuses, naming the process, when another process holds the database", async () => {
    await read(async () => {
      const { code, stderr } = await runCli(["sync-duckdb", "--pins", "a"], project.env);
      expect(code).toBe(1);
      expect(stderr).toContain(`error: the research database ${db} is open in another process (pid ${process.pid})`);
    });
  });

  it("fails clearly for an unknown pin set", async () => {
    const error = await syncDuckdb(project.config, { pins: "nope" }).catch((e) => e);
    expect(isLabbookError(error, "E_NOT_FOUND")).toBe(true);
    expect(error.message).toBe('no pin set "nope" in lineage/pins.json');
  });
});
