import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDataset } from "../../loaders/datasets/index.ts";
import { queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { readRecord } from "../../loaders/lineage/catalog.ts";
import { runPipeline, type StageResult } from "../../loaders/pipeline/run.ts";
import { pseudonymKey } from "../../loaders/pseudonym.ts";
import { createPinnedViews } from "../../loaders/site/views.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { manifestPath, readManifest } from "../../loaders/store/manifest.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { openPinned } from "../../loaders/store/pinned.ts";
import { seededProject, type SeededProject } from "../util/seeded.ts";

const DS = "events_dedup";
/** A selection of no events: behavioral_events' empty version, one empty object with the full schema. */
const NONE = { filters: { since: "2999-01-01" } };

/**
 * events_dedup, a day-partitioned stage, over an input with no rows. Its version is what an empty ingest of a
 * partitioned source stores: one empty object with the full schema, which every reader can open, not a manifest of
 * no partitions, which would give readers no file to read the columns from. Runs before and after it, with rows,
 * keep giving the full recompute's versions.
 */
describe("a partitioned stage whose result is empty", () => {
  let project: SeededProject;
  let empty: StageResult;
  let filled: StageResult;
  beforeAll(async () => {
    project = await seededProject();
    await project.ingest("behavioral_events", NONE);
    empty = await runDedup();
  });
  afterAll(async () => {
    await project?.remove();
  });

  async function runDedup(force = false): Promise<StageResult> {
    const run = await runPipeline(project.config, { targets: [DS], force });
    expect(run.failed, JSON.stringify(run.stages.map((s) => s.error))).toEqual([]);
    return run.stages.find((s) => s.dataset === DS)!;
  }

  it("is one empty object with the full schema, as an empty ingest's version is", async () => {
    expect(empty).toMatchObject({ status: "ran", rowCount: 0, newVersion: true });
    const version = empty.version!;
    expect(existsSync(manifestPath(project.config.dataDir, version))).toBe(false);
    const files = await readableFiles(project.config.dataDir, version, DS);
    expect(files).toEqual([objectPath(project.config.dataDir, version)]);
    const record = await readRecord(project.config.lineageDir, DS, version);
    expect(record.outputs[0]!.facets.schema.fields.map((f) => f.name)).toEqual(
      Object.keys(getDataset(DS).schema.shape),
    );
    // No partitions to describe: the record says nothing of them, as an empty ingest's does not.
    expect(record.run.facets.labbook_partitions).toBeUndefined();
    expect(empty.partitions).toBeUndefined();
  });

  it("is read by labbook sql and export, and by the site's views", async () => {
    const version = empty.version!;
    await project.pin({ default: { [DS]: version } });
    const sql = await project.cli(["sql", "SELECT count(*) AS n FROM events_dedup", "--json"]);
    expect(sql.code, sql.stderr).toBe(0);
    expect(JSON.parse(sql.stdout)).toEqual([{ n: 0 }]);

    const exported = await project.cli(["export", `${DS}@${version.slice(7, 19)}`, "--format", "csv", "--json"]);
    expect(exported.code, exported.stderr).toBe(0);
    const [csv] = JSON.parse(exported.stdout) as { dir: string; files: { path: string }[] }[];
    const text = await readFile(`${csv!.dir}/${csv!.files.find((f) => f.path.endsWith(".csv"))!.path}`, "utf8");
    expect(
      text
        .replace(/^\uFEFF/, "")
        .trim()
        .split("\n"),
    ).toEqual([Object.keys(getDataset(DS).schema.shape).join(",")]);

    const { objects } = await openPinned(project.config, { reads: [DS] });
    const key = await pseudonymKey(project.config, {});
    const columns = await withDuckDB(async (con) => {
      await createPinnedViews(con, objects, key);
      return queryRows<{ column_name: string }>(con, "DESCRIBE events_dedup");
    });
    expect(columns.map((c) => c.column_name)).toEqual(Object.keys(getDataset(DS).schema.shape));
  });

  it("a run over events that follows it writes every partition, as a run from nothing does", async () => {
    await project.ingest("behavioral_events");
    filled = await runDedup();
    expect(filled).toMatchObject({ status: "ran", newVersion: true });
    expect(filled.rowCount).toBeGreaterThan(0);
    const manifest = (await readManifest(project.config.dataDir, filled.version!, DS))!;
    expect(manifest.partitions.length).toBeGreaterThan(10);
    expect(filled.partitions).toEqual({ written: manifest.partitions.length, reused: 0 });
    expect((await runDedup(true)).version).toBe(filled.version);
  });

  it("a run that merges with a version of partitions and finds no rows makes the empty version again", async () => {
    // The empty selection again: the run recomputes every day of its previous version and keeps none of them.
    await project.ingest("behavioral_events", NONE);
    const again = await runDedup();
    expect(again).toMatchObject({ status: "ran", rowCount: 0, version: empty.version, newVersion: false });
    const record = await readRecord(project.config.lineageDir, DS, empty.version!);
    expect(record.run.facets.labbook_stage).toMatchObject({ mergedWith: filled.version });
    expect(existsSync(manifestPath(project.config.dataDir, empty.version!))).toBe(false);
    expect(await readableFiles(project.config.dataDir, empty.version!, DS)).toEqual([
      objectPath(project.config.dataDir, empty.version!),
    ]);
  });
});
