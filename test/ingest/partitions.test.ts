import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PartitionsFacet } from "../../loaders/ingest/partitions.ts";
import { getDataset } from "../../loaders/datasets/index.ts";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { ingestPostgres } from "../../loaders/ingest/postgres.ts";
import { listVersions, readRecord } from "../../loaders/lineage/catalog.ts";
import { silentLogger } from "../../loaders/log.ts";
import { connect } from "../../loaders/sources/postgres.ts";
import { listObjects } from "../../loaders/store/inventory.ts";
import { runCli } from "../util/cli.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { manifestPath, readManifest } from "../../loaders/store/manifest.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { seededProject, type SeededProject } from "../util/seeded.ts";

const DS = "behavioral_events";

/**
 * behavioral_events, which its definition partitions by day. Every change to the source, an insert, an update or a delete, in the
 * oldest partition or the newest, gives an incremental ingest that writes only the touched partitions and the very
 * version a --full ingest of the same rows gives.
 */
describe("partitioned ingest", () => {
  let project: SeededProject;
  let table: string;
  beforeAll(async () => {
    project = await seededProject();
    const [t] = await project.db.sql<{ t: string }[]>`
      SELECT table_name AS t FROM information_schema.tables WHERE table_name IN ('behavioral_events', 'BehavioralEvent')`;
    table = t!.t;
  });
  afterAll(async () => {
    await project?.remove();
  });

  const ingest = async (full = false) => (await project.ingest(DS, { full }))[0]!;
  const facetOf = async (version: string) =>
    (await readRecord(project.config.lineageDir, DS, version)).run.facets.labbook_partitions as PartitionsFacet;

  it("stores a version as day partitions named by a manifest, readable as one table", async () => {
    const r = await ingest();
    const manifest = (await readManifest(project.config.dataDir, r.version))!;
    expect(existsSync(manifestPath(project.config.dataDir, r.version))).toBe(true);
    expect(existsSync(objectPath(project.config.dataDir, r.version))).toBe(false);
    expect(manifest.partitions.length).toBeGreaterThan(5);
    expect(manifest.partitions.every((p) => /^\d{4}-\d{2}-\d{2}$/.test(p.key))).toBe(true);
    expect(manifest.partitions.reduce((n, p) => n + p.rows, 0)).toBe(r.rowCount);
    expect(r.size).toBe(manifest.partitions.reduce((n, p) => n + p.bytes, 0));
    const files = (await readableFiles(project.config.dataDir, r.version, DS))!;
    expect(files).toEqual(manifest.partitions.map((p) => objectPath(project.config.dataDir, p.object)));
    const facet = await facetOf(r.version);
    expect(facet.written).toBe(manifest.partitions.length);
    expect(facet.partitions[0]).toMatchObject({
      status: "written",
      fingerprint: expect.stringMatching(/^\d+:-?\d+:\d+$/),
    });
  });

  it("writes nothing when nothing changed", async () => {
    const before = await ingest();
    const again = await ingest();
    expect(again.version).toBe(before.version);
    expect(again.partitions).toMatchObject({ written: 0 });
  });

  const changes: [string, (sql: SeededProject["db"]["sql"], t: string) => Promise<unknown>][] = [
    [
      "an update in the oldest partition",
      (sql, t) =>
        sql.unsafe(`UPDATE "${t}" SET "timeOfDay" = ("timeOfDay" + 1) % 24
        WHERE id = (SELECT id FROM "${t}" ORDER BY "timestamp", id LIMIT 1)`),
    ],
    [
      "an update in the newest partition",
      (sql, t) =>
        sql.unsafe(`UPDATE "${t}" SET "timeOfDay" = ("timeOfDay" + 1) % 24
        WHERE id = (SELECT id FROM "${t}" ORDER BY "timestamp" DESC, id LIMIT 1)`),
    ],
    [
      "a delete in the oldest partition",
      (sql, t) => sql.unsafe(`DELETE FROM "${t}" WHERE id = (SELECT id FROM "${t}" ORDER BY "timestamp", id LIMIT 1)`),
    ],
    [
      "a delete in the newest partition",
      (sql, t) =>
        sql.unsafe(`DELETE FROM "${t}" WHERE id = (SELECT id FROM "${t}" ORDER BY "timestamp" DESC, id LIMIT 1)`),
    ],
    [
      "an insert in an old partition",
      (sql, t) =>
        sql.unsafe(`INSERT INTO "${t}" SELECT 'c' || substr(md5('old' || id), 1, 24), "userId", "eventType", "eventData",
          "timestamp" + interval '1 millisecond', "sessionPerformanceScore", "engagementLevel", "completionQuality",
          "timeOfDay", "dayOfWeek", "contentType", "difficultyLevel", "experimentPhase", "randomizationSeed",
          "contextMetadataId"
        FROM "${t}" ORDER BY "timestamp", id LIMIT 1`),
    ],
    [
      "an insert of a new day",
      (sql, t) =>
        sql.unsafe(`INSERT INTO "${t}" SELECT 'c' || substr(md5('new' || id), 1, 24), "userId", "eventType", "eventData",
          "timestamp" + interval '1 day', "sessionPerformanceScore", "engagementLevel", "completionQuality",
          "timeOfDay", "dayOfWeek", "contentType", "difficultyLevel", "experimentPhase", "randomizationSeed",
          "contextMetadataId"
        FROM "${t}" ORDER BY "timestamp" DESC, id LIMIT 3`),
    ],
  ];

  for (const [what, change] of changes) {
    it(`after ${what}, the incremental version equals the full one and only that partition is written`, async () => {
      // The previous test's last ingest is the base.
      const before = (await listVersions(project.config.lineageDir, DS))[0]!;
      await change(project.db.sql, table);
      const incremental = await ingest();
      expect(incremental.version).not.toBe(before.version);
      expect(incremental.partitions!.written).toBeLessThanOrEqual(1);
      const total = (await readManifest(project.config.dataDir, incremental.version))!.partitions.length;
      expect(incremental.partitions!.reused).toBeGreaterThanOrEqual(total - 1);
      const full = await ingest(true);
      expect(full.version).toBe(incremental.version);
      expect(full.partitions!.written).toBe(total);
    });
  }

  it("an interrupted incremental ingest leaves the store as it was", async () => {
    const [latest] = await listVersions(project.config.lineageDir, DS);
    const objectsBefore = (await listObjects(project.config.dataDir)).map((f) => f.path);
    await project.db.sql.unsafe(
      `UPDATE "${table}" SET "timeOfDay" = ("timeOfDay" + 1) % 24 WHERE id = (SELECT id FROM "${table}" ORDER BY id LIMIT 1)`,
    );
    const stop = new AbortController();
    // Interrupted after its partitions are written and staged, just before the commit.
    const log = {
      ...silentLogger,
      progress: (m: string) => m.includes("quality checks") && stop.abort(new Error("stop")),
    };
    const database = await connect(project.config, { max: 1 });
    try {
      await expect(
        ingestPostgres(getDataset(DS), database, "pascal", project.config, { log, signal: stop.signal }),
      ).rejects.toThrow("stop");
    } finally {
      await database.close();
    }
    expect((await listVersions(project.config.lineageDir, DS))[0]!.version).toBe(latest!.version);
    expect((await listObjects(project.config.dataDir)).map((f) => f.path)).toEqual(objectsBefore);
    expect(await readableFiles(project.config.dataDir, latest!.version, DS)).toBeDefined();
  });

  it("labbook show says how many partitions the ingest wrote and reused", async () => {
    const r = await runCli(["show", `${DS}@latest`], project.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/behavioral_events@[0-9a-f]{12}: \d+ of \d+ partitions written, \d+ reused/);
  });

  it("writes an empty selection, or one whose every row is rejected, as one empty object with the full schema", async () => {
    const empty = (await project.ingest(DS, { filters: { since: "2999-01-01" } }))[0]!;
    // An event ten days ahead breaks "not in the future": a non-strict ingest of that day alone rejects its one row.
    const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await project.db.sql.unsafe(`INSERT INTO "${table}" SELECT 'cfuture' || substr(md5(id), 1, 18), "userId",
        "eventType", "eventData", TIMESTAMPTZ '${day} 12:00:00+00', "sessionPerformanceScore", "engagementLevel",
        "completionQuality", "timeOfDay", "dayOfWeek", "contentType", "difficultyLevel", "experimentPhase",
        "randomizationSeed", "contextMetadataId"
      FROM "${table}" ORDER BY "timestamp", id LIMIT 1`);
    const database = await connect(project.config, { max: 1 });
    let rejected;
    try {
      rejected = await ingestPostgres(getDataset(DS), database, "pascal", project.config, {
        validation: "non-strict",
        filters: { since: day },
      });
    } finally {
      await database.close();
      await project.db.sql.unsafe(`DELETE FROM "${table}" WHERE id LIKE 'cfuture%'`);
    }
    expect(rejected.validation).toMatchObject({ rowsRead: 1, rowsValid: 0, rowsRejected: 1 });
    // The same empty bytes, so the same version.
    expect(rejected.version).toBe(empty.version);
    expect(empty).toMatchObject({ rowCount: 0, stored: true });
    expect(empty.partitions).toBeUndefined();
    expect(existsSync(manifestPath(project.config.dataDir, empty.version))).toBe(false);
    const files = await readableFiles(project.config.dataDir, empty.version, DS);
    expect(files).toEqual([objectPath(project.config.dataDir, empty.version)]);
    const columns = await withDuckDB((con) =>
      queryRows<{ column_name: string }>(con, `DESCRIBE SELECT * FROM ${parquet(files!)}`),
    );
    expect(columns.map((c) => c.column_name)).toEqual(Object.keys(getDataset(DS).schema.shape));
  });

  it("by month too: a change in one month re-exports that month only, and equals a --full ingest", async () => {
    const partitioning = { column: "timestamp", grain: "month" } as const;
    const byMonth = async (full = false) => (await project.ingest(DS, { full, partitioning }))[0]!;
    // The seed spans one month: one event forty days before the first gives a second.
    await project.db.sql.unsafe(`INSERT INTO "${table}" SELECT 'c' || substr(md5('month' || id), 1, 24), "userId",
        "eventType", "eventData", "timestamp" - interval '40 days', "sessionPerformanceScore", "engagementLevel",
        "completionQuality", "timeOfDay", "dayOfWeek", "contentType", "difficultyLevel", NULL, "randomizationSeed",
        "contextMetadataId"
      FROM "${table}" ORDER BY "timestamp", id LIMIT 1`);
    const before = await byMonth(true);
    const months = (await readManifest(project.config.dataDir, before.version))!.partitions.map((p) => p.key);
    expect(months.every((k) => /^\d{4}-\d{2}$/.test(k))).toBe(true);
    // More than one month, so the incremental ingest reads one month's range, not the whole table.
    expect(months.length).toBeGreaterThan(1);
    await project.db.sql.unsafe(`UPDATE "${table}" SET "timeOfDay" = ("timeOfDay" + 1) % 24
      WHERE id = (SELECT id FROM "${table}" ORDER BY "timestamp" DESC, id LIMIT 1)`);
    const incremental = await byMonth();
    expect(incremental.partitions).toMatchObject({ written: 1, reused: months.length - 1 });
    expect((await byMonth(true)).version).toBe(incremental.version);
  });

  it("leaves no staged file behind", async () => {
    expect(await readdir(path.join(project.config.dataDir, "tmp")).catch(() => [])).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/\.(parquet|json)$/)]),
    );
  });
  it("compares the source's column types with the dataset before fingerprinting or copying a partition", async () => {
    // Last: it changes the table. An incremental ingest runs the same check as a full one, before any query of rows.
    await project.db.sql.unsafe(`ALTER TABLE "${table}" ALTER COLUMN "timeOfDay" TYPE double precision`);
    const objectsBefore = (await listObjects(project.config.dataDir)).map((f) => f.path);
    const error = await ingest().catch((e: unknown) => e);
    expect(isLabbookError(error, "E_SOURCE"), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/column "timeOfDay" is double precision, expected integer$/);
    expect((await listObjects(project.config.dataDir)).map((f) => f.path)).toEqual(objectsBefore);
  });
});
