import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openResearchDb, syncDuckdb } from "../../loaders/deliver/sync-duckdb.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { hashFile } from "../../loaders/store/objects.ts";
import { runCli } from "../util/cli.ts";
import { seededProject, type SeededProject } from "../util/seeded.ts";

describe("syncDuckdb", () => {
  let project: SeededProject;
  let small: { version: string; rowCount: number };
  let full: { version: string; rowCount: number };
  let context: string;
  let contextRows: number;
  let db: string;

  beforeAll(async () => {
    project = await seededProject();
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
    await project?.remove();
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
    /** Each poll, and whether it began and ended while a sync was running. */
    const seen: { version: string; n: number; duringSync: boolean }[] = [];
    let syncing = false;
    await syncDuckdb(project.config, { pins: "a" });
    const seenDuringSyncs = () => new Set(seen.filter((s) => s.duringSync).map((s) => s.version));
    let syncs = 0;
    await read(async (con) => {
      let done = false;
      const poll = (async () => {
        while (!done) {
          const began = syncing;
          const [row] = await rows(
            con,
            `SELECT (SELECT version FROM research.versions WHERE dataset = 'behavioral_events') AS version,
                    (SELECT count(*)::INTEGER FROM research.behavioral_events) AS n`,
          );
          seen.push({ ...(row as { version: string; n: number }), duringSync: began && syncing });
        }
      })();
      // A failed read is reported by the await below, once the writer has stopped.
      poll.catch(() => {});
      // Flip between the two versions until polls that ran inside syncs have read both states (each sync reads
      // as the old state until its swap commits), bounded so a reader that never gets in fails instead of hanging.
      // It ends on "b", which the next test expects.
      while (syncs < 41 && !(seenDuringSyncs().size === 2 && syncs >= 5 && syncs % 2 === 1)) {
        syncing = true;
        await syncDuckdb(project.config, { pins: syncs++ % 2 === 0 ? "b" : "a" });
        syncing = false;
        // Let the reader start a poll between syncs too, as a real reader would.
        await new Promise((resolve) => setImmediate(resolve));
      }
      done = true;
      await poll;
    });
    for (const s of seen) expect(s.n, `rows seen with ${s.version}`).toBe(expected.get(s.version));
    expect([...seenDuringSyncs()].sort()).toEqual([small.version, full.version].sort());
    // The reader saw the state change under it, between polls, more than once.
    const changes = seen.filter((s, i) => i > 0 && s.version !== seen[i - 1]!.version).length;
    expect(changes).toBeGreaterThanOrEqual(2);
    expect(seen[0]!.version).toBe(small.version);
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
