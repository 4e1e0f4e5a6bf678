import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSql } from "../../loaders/deliver/sql.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { versionFiles } from "../../loaders/store/files.ts";
import { hashFile } from "../../loaders/store/objects.ts";
import { seededProject, type SeededProject } from "../util/seeded.ts";

describe("runSql", () => {
  let project: SeededProject;
  let small: { version: string; rowCount: number };
  let full: { version: string; rowCount: number };

  beforeAll(async () => {
    project = await seededProject();
    // From 08:00, in that day's session: its first day's partition holds fewer rows than the full version's, so its
    // object is not pinned.
    small = (await project.ingest("behavioral_events", { filters: { since: "2025-06-15T08:00:00Z" } }))[0]!;
    full = (await project.ingest("behavioral_events"))[0]!;
    const context = (await project.ingest("context_metadata"))[0]!.version;
    await project.pin({
      default: { behavioral_events: full.version, context_metadata: context },
      recent: { behavioral_events: small.version },
    });
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("sees each pinned dataset as a view by its name, at the pinned version", async () => {
    const q = "SELECT count(*) AS n, min(timestamp) AS first FROM behavioral_events";
    const all = await runSql(project.config, q);
    expect(all.pinSet).toBe("default");
    expect(all.rows).toEqual([{ n: full.rowCount, first: "2025-06-02T06:13:47.701Z" }]);
    expect(all.columns).toEqual([
      { name: "n", type: "BIGINT" },
      { name: "first", type: "TIMESTAMP WITH TIME ZONE" },
    ]);
    const recent = await runSql(project.config, q, { pins: "recent" });
    expect(recent.rows[0]!.n).toBe(small.rowCount);
    expect(recent.views).toEqual({ behavioral_events: small.version });
  });

  it("joins pinned datasets", async () => {
    const { rows } = await runSql(
      project.config,
      `SELECT count(DISTINCT e.userId) AS users FROM behavioral_events e JOIN context_metadata c USING (userId)`,
    );
    expect(rows[0]!.users).toBeGreaterThan(0);
  });

  it("fails naming the views when a query refers to something that is not pinned", async () => {
    const error = await runSql(project.config, "SELECT * FROM context_metadata", { pins: "recent" }).catch((e) => e);
    expect(isLabbookError(error, "E_USAGE")).toBe(true);
    expect(error.message).toMatch(/^query failed: Catalog Error: Table with name context_metadata does not exist/);
    expect(error.details).toEqual(['Views of pin set "recent": behavioral_events.']);
  });

  describe("only reads the pinned objects", () => {
    const refusal = (query: string) => runSql(project.config, query).catch((e) => e);

    it("refuses COPY, ATTACH, CREATE TABLE and INSERT, and writes nothing", async () => {
      // One of the pinned version's partition objects (behavioral_events is stored by day).
      const [object] = (await versionFiles(project.config.dataDir, full.version))!;
      const before = await hashFile(object!);
      const elsewhere = path.join(project.root, "elsewhere.parquet");
      const attached = path.join(project.root, "x.duckdb");
      // Each is refused by its statement type; a file outside the pins makes DuckDB fail while binding, and a write
      // that cannot bind is still named as one. The pinned object may be opened, so the type alone stops a COPY onto it.
      const cases: [string, string][] = [
        [`COPY (SELECT 42) TO '${object}' (FORMAT parquet)`, "COPY is not a read-only statement"],
        [`COPY behavioral_events TO '${elsewhere}'`, "not a read-only statement"],
        [`ATTACH '${attached}' AS x`, "ATTACH is not a read-only statement"],
        ["CREATE TABLE t AS SELECT 1 AS a", "CREATE is not a read-only statement"],
        ["INSERT INTO behavioral_events SELECT * FROM behavioral_events", "not a read-only statement"],
      ];
      for (const [query, message] of cases) {
        const error = await refusal(query);
        expect(isLabbookError(error, "E_USAGE"), query).toBe(true);
        expect(error.message).toBe(`query refused: ${message}`);
        expect(error.details[0]).toMatch(/^labbook sql runs one statement that reads/);
      }
      expect(await hashFile(object!)).toEqual(before);
      expect(existsSync(elsewhere)).toBe(false);
      expect(existsSync(attached)).toBe(false);
    });

    it("refuses a second statement, so a write cannot ride behind a SELECT", async () => {
      const target = path.join(project.root, "behind.csv");
      const error = await refusal(`SELECT 1; COPY (SELECT 1) TO '${target}'`);
      expect(isLabbookError(error, "E_USAGE")).toBe(true);
      expect(error.message).toBe("query refused: 2 statements given, one expected");
      expect(existsSync(target)).toBe(false);
      expect((await refusal("-- nothing")).message).toBe("query refused: no SQL statement given");
    });

    it("refuses to read a file outside the pins, and to lift the lock", async () => {
      const outside = path.join(project.root, "outside.csv");
      await writeFile(outside, "a\n1\n");
      // An object in the store that pin set "default" does not name: the unpinned version's partial first day.
      const pinned = (await versionFiles(project.config.dataDir, full.version))!;
      const unpinned = (await versionFiles(project.config.dataDir, small.version))!.find((f) => !pinned.includes(f));
      expect(unpinned).toBeDefined();
      for (const query of [
        `SELECT * FROM read_csv('${outside}')`,
        `SELECT * FROM read_parquet('${unpinned}')`,
        "SELECT * FROM glob('/*')",
      ]) {
        const error = await refusal(query);
        expect(isLabbookError(error, "E_USAGE"), query).toBe(true);
        expect(error.message).toMatch(/^query refused: Permission Error: Cannot access/);
        expect(error.details).toEqual([
          "labbook sql reads only the pinned objects, through the views named after their datasets.",
          'Views of pin set "default": behavioral_events, context_metadata.',
        ]);
      }
      const unlock = await refusal("SET enable_external_access = true");
      expect(unlock.message).toBe("query refused: SET is not a read-only statement");
    });

    it("still answers SELECT, WITH, FROM-first, DESCRIBE and SUMMARIZE over the pinned views", async () => {
      const n = async (query: string) => (await runSql(project.config, query)).rows;
      expect(await n("WITH e AS (SELECT * FROM behavioral_events) SELECT count(*) AS n FROM e")).toEqual([
        { n: full.rowCount },
      ]);
      expect(await n("FROM behavioral_events SELECT count(*) AS n")).toEqual([{ n: full.rowCount }]);
      const described = await n("DESCRIBE behavioral_events");
      expect(described.map((r) => r.column_name)).toContain("timestamp");
      const summary = await n("SUMMARIZE context_metadata");
      expect(summary.length).toBeGreaterThan(0);
    });
  });
});
