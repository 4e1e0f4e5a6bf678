import path from "node:path";
import { sqlString } from "../sql-quote.ts";
import type { ExportManifest } from "./manifest.ts";
import { columnsSpec } from "./from-parquet.ts";

/** A DuckDB relation reading a CSV export back with the manifest's column types. */
export function fromCsv(dir: string, manifest: ExportManifest): string {
  const file = path.join(dir, manifest.files[0]!.path);
  return `read_csv(${sqlString(file)}, header=true, auto_detect=false, delim=',', quote='"', escape='"',
    allow_quoted_nulls=false, columns=${columnsSpec(manifest.columns)})`;
}
