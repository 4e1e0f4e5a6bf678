import type { Config } from "../config.ts";
import type { DatasetDef } from "../datasets/define.ts";
import { compileSchema } from "../datasets/rules.ts";
import { openDuckDB, parquet, queryRows } from "../duckdb.ts";
import { validateStaged } from "../ingest/validate.ts";
import { checkStaged } from "../quality/staged.ts";
import { spillDir, type StagedFile } from "../store/objects.ts";
import { parquetRowCount, parquetSchema, stageQuery } from "../store/parquet.ts";
import { mergeRecent, recentCutoff, recentInputFilter } from "./incremental.ts";
import { executePartitioned } from "./partitioned.ts";
import { mergeBlocker } from "./recent.ts";
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

export type { StageInput };

/**
 * Runs one stage in a fresh DuckDB: each input version becomes a view named after its dataset, the stage's SQL runs
 * over them, and the result is written, sorted, to a staged Parquet file that is hashed as it is written. The result
 * is checked against the stage's schema and primary key before anyone can publish it.
 */
export async function executeStage(
  config: Config,
  def: DatasetDef,
  inputs: Record<string, StageInput>,
  options: ExecuteOptions = {},
): Promise<Executed> {
  const { instance, con } = await openDuckDB({ tempDir: spillDir(config.dataDir) });
  const onAbort = () => con.interrupt();
  options.signal?.addEventListener("abort", onAbort);
  let staged: StagedFile | undefined;
  try {
    if (def.partitioning) return await executePartitioned(con, config, def, inputs, options);
    const incremental = def.derive!.incremental;
    const paths = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.files]));
    let cutoff: Date | undefined;
    let fallback: string | undefined;
    if (options.recent?.days !== undefined && incremental) {
      cutoff = await recentCutoff(con, incremental, paths, options.recent.days);
      // Merging is only sound when it gives a full recompute's bytes; anything else loses or keeps stale rows.
      fallback = cutoff
        ? await mergeBlocker(con, incremental, inputs, options.recent.changed, cutoff)
        : "the input that anchors the cutoff is empty; recomputed in full";
      if (fallback) cutoff = undefined;
    }
    await createInputViews(con, inputs, (name) => (cutoff ? recentInputFilter(incremental!, name, cutoff) : undefined));

    let select = castSelect(def);
    if (cutoff) {
      await con.run(`CREATE VIEW stage_previous AS SELECT * FROM ${parquet(options.recent!.previous.files)}`);
      const columns = compileSchema(def.schema).map((c) => c.name);
      select = mergeRecent(def, select, "stage_previous", cutoff, columns);
    }
    const sql = `SELECT * FROM (\n${select}\n) ORDER BY ${orderBy(def)}`;
    staged = await stageQuery(con, config.dataDir, sql).catch((e) => {
      throw stageFailure(def, (e as Error).message, [], e);
    });
    options.signal?.throwIfAborted();

    const outcome = await validateStaged(con, def, staged.path, "strict");
    if (outcome.summary.rowsRejected > 0) {
      throw stageFailure(def, `${outcome.summary.rowsRejected} result rows break the schema of ${def.name}`, [
        ...outcome.firstErrors.map((e) => `row ${e.rowId}: ${e.column} = ${e.value ?? "null"} (${e.rule})`),
        "Fix the stage's SQL or its schema.",
      ]);
    }
    await assertUniqueKey(con, def, staged.path);

    let summary: Record<string, number> | undefined;
    if (def.derive!.summary) {
      // Counts describe the whole version, so the inputs are read in full even after a recent run.
      await createInputViews(con, inputs, () => undefined);
      await con.run(`CREATE OR REPLACE VIEW stage_output AS SELECT * FROM ${parquet(staged.path)}`);
      const [row] = await queryRows<Record<string, number>>(con, def.derive!.summary).catch((e) => {
        throw stageFailure(def, `summary: ${(e as Error).message}`, [], e);
      });
      summary = Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
    }
    // Checks that read other datasets see this run's input versions.
    const versions = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.version]));
    const quality = await checkStaged(con, config, def, staged, {
      createdAt: options.startedAt ?? Date.now(),
      versions,
    });
    const result: Executed = {
      staged,
      rowCount: await parquetRowCount(con, staged.path),
      fields: await parquetSchema(con, staged.path),
      sql,
      summary,
      validation: outcome.summary,
      cutoff,
      merged: cutoff !== undefined,
      fallback,
      quality,
    };
    staged = undefined;
    return result;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await staged?.discard();
    con.closeSync();
    instance.closeSync();
  }
}
