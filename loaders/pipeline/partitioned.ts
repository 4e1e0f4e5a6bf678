import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import type { DatasetDef, Incremental } from "../datasets/define.ts";
import { rm } from "node:fs/promises";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { parquet, queryRows } from "../duckdb.ts";
import { duckPartitionRange, partitionLayout, type PartitionsFacet } from "../ingest/partitions.ts";
import { validateStaged } from "../ingest/validate.ts";
import { checkStaged } from "../quality/staged.ts";
import { readManifest, stageManifest } from "../store/manifest.ts";
import { hashFile, objectPath, tempPath, type StagedFile } from "../store/objects.ts";
import { PARQUET_OPTIONS, parquetSchema, parquetRowCount, stageQuery } from "../store/parquet.ts";
import { changedDays, dayKey, inWindow, recentCutoff, windowInputFilter, type DayWindow } from "./incremental.ts";
import type { StagedPartitions } from "./publish.ts";
import {
  assertUniqueKey,
  castSelect,
  createInputViews,
  orderBy,
  stageFailure,
  type ExecuteOptions,
  type Executed,
} from "./stage-common.ts";
import type { StageInput } from "./stage-input.ts";

const DAY_MS = 86_400_000;

/**
 * Runs a stage whose versions are made of day partitions. With a previous version to merge with (`options.recent`),
 * it recomputes only the window: the days on which a windowed input changed since that version's run, found by
 * per-day row digests of the input objects the two versions do not share, and for a recent run every day from the
 * cutoff on. Its inputs are read for those days only (and a partitioned input's objects of other days not at all);
 * every other partition of the previous version is reused as it is. A row of day d depends only on input rows of day
 * d, so each partition holds the bytes a full recompute gives it and the manifest, and thus the version, is the
 * full recompute's. A result with no row on any day is one empty object with the full schema, as an empty ingest's.
 */
export async function executePartitioned(
  con: DuckDBConnection,
  config: Config,
  def: DatasetDef,
  inputs: Record<string, StageInput>,
  options: ExecuteOptions,
): Promise<Executed> {
  const p = def.partitioning!;
  const incremental = def.derive!.incremental!;
  const staged: StagedFile[] = [];
  const discard = () => Promise.all(staged.map((s) => s.discard())).then(() => undefined);
  try {
    const recent = options.recent;
    let window: DayWindow | undefined;
    let cutoff: Date | undefined;
    if (recent?.manifest) {
      if (recent.days !== undefined) {
        const paths = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.files]));
        cutoff = await recentCutoff(con, incremental, paths, recent.days);
      }
      const days = new Set<string>();
      for (const [name, before] of Object.entries(recent.changed))
        for (const d of await changedDays(con, incremental.inputs[name]!, before.files, inputs[name]!.files))
          days.add(d);
      window = { days, since: cutoff };
    }
    const read = window ? await windowFiles(config, incremental, inputs, window) : inputs;
    await createInputViews(con, read, (name) => (window ? windowInputFilter(incremental, name, window) : undefined));

    const sql = `SELECT * FROM (\n${castSelect(def)}\n) ORDER BY ${orderBy(def)}`;
    const fresh = await stageQuery(con, config.dataDir, sql).catch((e) => {
      throw stageFailure(def, (e as Error).message, [], e);
    });
    staged.push(fresh);
    options.signal?.throwIfAborted();
    const outcome = await validateStaged(con, def, fresh.path, "strict");
    if (outcome.summary.rowsRejected > 0) {
      throw stageFailure(def, `${outcome.summary.rowsRejected} result rows break the schema of ${def.name}`, [
        ...outcome.firstErrors.map((e) => `row ${e.rowId}: ${e.column} = ${e.value ?? "null"} (${e.rule})`),
        "Fix the stage's SQL or its schema.",
      ]);
    }
    await assertUniqueKey(con, def, fresh.path);

    // One object per day of the result, each cut from the sorted result as an ingest cuts its export.
    const keys = (
      await queryRows<{ d: number }>(
        con,
        `SELECT DISTINCT epoch_ms(CAST(${quoteIdent(p.column)} AS TIMESTAMPTZ)) // ${DAY_MS} AS d
         FROM ${parquet(fresh.path)} ORDER BY d`,
      )
    ).map((r) => dayKey(Number(r.d)));
    const outside = window ? keys.filter((k) => !inWindow(window, k)) : [];
    if (outside.length)
      throw stageFailure(def, `it made rows on ${outside.slice(0, 3).join(", ")}, outside the days it recomputed`, [
        `A day-partitioned stage's rows of day d must come from its inputs' rows of day d (${p.column}).`,
      ]);
    type Entry = PartitionsFacet["partitions"][number] & { file: string };
    const entries: Entry[] = [];
    const written: StagedFile[] = [];
    for (const key of keys) {
      options.signal?.throwIfAborted();
      const part = await stagePart(
        con,
        config.dataDir,
        `SELECT * FROM ${parquet(fresh.path)} WHERE ${duckPartitionRange(p, key)} ORDER BY ${orderBy(def)}`,
      );
      staged.push(part);
      written.push(part);
      const rows = await parquetRowCount(con, part.path);
      const entry = { key, object: part.version, rows, bytes: part.size };
      entries.push({ ...entry, fingerprint: part.version, status: "written", file: part.path });
    }
    for (const e of window ? recent!.manifest!.partitions : [])
      if (!inWindow(window!, e.key))
        entries.push({ ...e, fingerprint: e.object, status: "reused", file: objectPath(config.dataDir, e.object) });
    entries.sort((a, b) => (a.key < b.key ? -1 : 1));
    const fields = await parquetSchema(con, fresh.path);
    // No row on any day: the version is the empty result itself, one object with the full schema, as an empty
    // ingest's is. A manifest of no partitions would leave readers (sql, export, the site) no file to read.
    const manifest = entries.length
      ? await stageManifest(config.dataDir, {
          partitioning: p,
          schema: fields,
          partitions: entries.map(({ key, object, rows, bytes }) => ({ key, object, rows, bytes })),
        })
      : undefined;
    if (manifest) staged.push(manifest);
    const files = entries.map((e) => e.file);
    // Reused partitions were checked by earlier runs; a key without the partition column can repeat across days.
    if (window && files.length && !def.primaryKey.includes(p.column)) await assertUniqueKey(con, def, files);

    let summary: Record<string, number> | undefined;
    if (def.derive!.summary) {
      await createInputViews(con, inputs, () => undefined);
      await con.run(`CREATE OR REPLACE VIEW stage_output AS SELECT * FROM ${outputOf(files, fresh.path)}`);
      const [row] = await queryRows<Record<string, number>>(con, def.derive!.summary).catch((e) => {
        throw stageFailure(def, `summary: ${(e as Error).message}`, [], e);
      });
      summary = Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
    }
    const versions = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.version]));
    const quality = await checkStaged(
      con,
      config,
      def,
      { path: manifest ? files : fresh.path, version: manifest?.version ?? fresh.version },
      { createdAt: options.startedAt ?? Date.now(), versions },
    );
    const done = { fields, sql, summary, validation: outcome.summary, cutoff, merged: window !== undefined, quality };
    if (!manifest) return { staged: { ...fresh, discard }, rowCount: 0, ...done };
    const reused = entries.length - written.length;
    const facet: PartitionsFacet = {
      partitioning: { column: p.column, grain: p.grain },
      layout: partitionLayout(def),
      base: window ? recent!.previous.version : null,
      written: written.length,
      reused,
      partitions: entries.map(({ file: _file, ...e }) => e),
    };
    const output: StagedPartitions = { written, manifest };
    const size = entries.reduce((n, e) => n + e.bytes, 0);
    return {
      staged: { path: manifest.path, version: manifest.version, size, discard },
      output,
      partitions: facet,
      rowCount: entries.reduce((n, e) => n + e.rows, 0),
      ...done,
    };
  } catch (error) {
    await discard();
    throw error;
  }
}

/**
 * A partition's object, written by DuckDB to a temp file and hashed once complete. A day is small, so reading it back
 * costs less than the named pipe and hashing stream that stageQuery sets up for each file: with a hundred days and
 * more per version, that set-up dominated the run.
 */
async function stagePart(con: DuckDBConnection, dataDir: string, select: string): Promise<StagedFile> {
  const file = await tempPath(dataDir, ".parquet");
  const discard = () => rm(file, { force: true });
  try {
    await con.run(`COPY (${select}) TO ${sqlString(file)} (${PARQUET_OPTIONS})`);
    return { path: file, ...(await hashFile(file)), discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

/** The version's rows as one table; a version with no rows at all reads the empty result for its columns. */
const outputOf = (files: string[], empty: string) => parquet(files.length ? files : empty);

/**
 * The files a partial run reads of each windowed input: of an input made of partitions of the same column, only
 * the objects whose partition overlaps the window (the filter picks the rows); of any other input, all of them.
 */
async function windowFiles(
  config: Config,
  incremental: Incremental,
  inputs: Record<string, StageInput>,
  window: DayWindow,
): Promise<Record<string, StageInput>> {
  const out: Record<string, StageInput> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const column = incremental.inputs[name];
    const manifest = column ? await readManifest(config.dataDir, input.version, name) : undefined;
    if (!manifest || manifest.partitioning.column !== column || manifest.partitions.length !== input.files.length) {
      out[name] = input;
      continue;
    }
    const since = window.since?.toISOString().slice(0, 10);
    const overlaps = (key: string) =>
      manifest.partitioning.grain === "day"
        ? inWindow(window, key)
        : [...window.days].some((d) => d.startsWith(key)) || (since !== undefined && `${key}-31` >= since);
    const files = input.files.filter((_f, i) => overlaps(manifest.partitions[i]!.key));
    // No partition in the window: one object still gives the view its columns; the filter keeps none of its rows.
    out[name] = { version: input.version, files: files.length ? files : input.files.slice(0, 1) };
  }
  return out;
}
