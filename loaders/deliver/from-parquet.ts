import path from "node:path";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import type { ExportManifest } from "./manifest.ts";
import type { Column } from "./source.ts";

/** `{'name': 'TYPE', …}`, the column spec DuckDB's readers take. */
export function columnsSpec(columns: Column[]): string {
  return `{${columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ")}}`;
}

/**
 * A DuckDB relation reading a Parquet export back, partitioned or not, with the manifest's columns in order. A
 * derived partition column (`date`) comes last.
 */
export function fromParquet(dir: string, manifest: ExportManifest): string {
  const partition = manifest.options.partitionBy;
  if (!partition) return `read_parquet(${sqlString(path.join(dir, manifest.files[0]!.path))})`;
  const derived = !manifest.columns.some((c) => c.name === partition.column);
  const type = derived ? "DATE" : manifest.columns.find((c) => c.name === partition.column)!.type;
  const files = `[${manifest.files.map((f) => sqlString(path.join(dir, f.path))).join(", ")}]`;
  const select = [...manifest.columns.map((c) => c.name), ...(derived ? [partition.column] : [])].map(quoteIdent);
  return `(SELECT ${select.join(", ")} FROM read_parquet(${files}, hive_partitioning=true,
    hive_types={${sqlString(partition.column)}: ${sqlString(type)}}))`;
}
