/**
 * Run as a child process by pending.test.ts: commits a partitioned version of three day partitions and is killed
 * (SIGKILL, by itself) after two partition objects are in the store and before the manifest is: the commit's third
 * object is already stored, and the discard that commitObject then calls is the kill. Given "whole" as a third
 * argument it commits all three, for test/util/kill-at-rename.mjs to kill it at a later step.
 */
import { withDuckDB } from "../../loaders/duckdb.ts";
import type { LineageRecord } from "../../loaders/lineage/record.ts";
import { commitPartitioned } from "../../loaders/store/commit.ts";
import { stageManifest } from "../../loaders/store/manifest.ts";
import { commitObject, type StagedFile } from "../../loaders/store/objects.ts";
import { parquetRowCount, parquetSchema, stageQuery } from "../../loaders/store/parquet.ts";
import { dayRows } from "../util/project.ts";

const [dataDir, lineageDir, whole] = process.argv.slice(2) as [string, string, string?];
await withDuckDB(async (con) => {
  const days = ["2025-07-01", "2025-07-02", "2025-07-03"];
  const staged: StagedFile[] = [];
  for (const [i, day] of days.entries()) staged.push(await stageQuery(con, dataDir, dayRows(day, 5, 100 + 5 * i)));
  const partitions = [];
  for (const [i, s] of staged.entries())
    partitions.push({ key: days[i]!, object: s.version, rows: await parquetRowCount(con, s.path), bytes: s.size });
  const schema = await parquetSchema(con, staged[0]!.path);
  const manifest = await stageManifest(dataDir, { partitioning: { column: "at", grain: "day" }, schema, partitions });
  const last = staged[2]!;
  if (!whole) await commitObject(dataDir, last);
  const dying: StagedFile = { ...last, discard: async () => void process.kill(process.pid, "SIGKILL") };
  await commitPartitioned(
    { dataDir, lineageDir },
    "experiment_protocols",
    [staged[0]!, staged[1]!, whole ? last : dying],
    manifest,
    { run: { runId: "crash" } } as unknown as LineageRecord,
  );
});
