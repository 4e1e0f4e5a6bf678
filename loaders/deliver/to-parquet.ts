import { readdir } from "node:fs/promises";
import path from "node:path";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { hashFile } from "../store/objects.ts";
import { parquetRowCount } from "../store/parquet.ts";
import { copyThroughPipe, copyTo } from "./copy.ts";
import type { ExportFile, ParquetCompression, WriteContext } from "./format.ts";
import { exportQuery } from "./select.ts";

export interface ParquetOptions {
  compression?: ParquetCompression;
  /** Hive-partition by this column; with `derive`, the column is computed by that SQL (e.g. a date from a time). */
  partition?: { column: string; derive?: string };
}

/**
 * Writes `<dataset>.parquet`, or with a partition a hive layout `<column>=<value>/<dataset>_0.parquet` whose files
 * leave the partition column out (it lives in the path, as Hive, Spark, pyarrow and DuckDB expect).
 */
export async function toParquet(ctx: WriteContext, options: ParquetOptions = {}): Promise<ExportFile[]> {
  const compression = `FORMAT parquet, COMPRESSION ${options.compression ?? "zstd"}`;
  const { partition } = options;
  if (!partition) {
    const name = `${ctx.source.dataset}.parquet`;
    const written = await copyThroughPipe(ctx, exportQuery(ctx.source, "*", ctx.filter), name, compression);
    return [{ path: name, ...written }];
  }
  const select = partition.derive ? `*, ${partition.derive} AS ${quoteIdent(partition.column)}` : "*";
  await copyTo(
    ctx.con,
    exportQuery(ctx.source, select, ctx.filter),
    ctx.dir,
    `${compression}, PARTITION_BY (${quoteIdent(partition.column)}), FILENAME_PATTERN ${sqlString(`${ctx.source.dataset}_{i}`)}, OVERWRITE_OR_IGNORE`,
    ctx.signal,
  );
  const files: ExportFile[] = [];
  for (const rel of (await readdir(ctx.dir, { recursive: true })).filter((f) => f.endsWith(".parquet")).sort()) {
    const file = path.join(ctx.dir, rel);
    const { version, size } = await hashFile(file);
    files.push({
      path: rel.split(path.sep).join("/"),
      sha256: version,
      size,
      rows: await parquetRowCount(ctx.con, file),
    });
  }
  return files;
}
