import path from "node:path";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import type { ExportManifest } from "./manifest.ts";
import { columnsSpec } from "./from-parquet.ts";
import { SCHEMA_VERSION_FIELD } from "./to-ndjson.ts";

/**
 * A DuckDB relation reading an NDJSON export back with the manifest's column types. The schema record has no
 * `_schema_version`, which is how it is told apart from the rows.
 */
export function fromNdjson(dir: string, manifest: ExportManifest): string {
  const file = path.join(dir, manifest.files[0]!.path);
  const columns = [{ name: SCHEMA_VERSION_FIELD, type: "VARCHAR" }, ...manifest.columns];
  const select = manifest.columns.map((c) => quoteIdent(c.name)).join(", ");
  return `(SELECT ${select} FROM read_json(${sqlString(file)}, format='newline_delimited', columns=${columnsSpec(columns)})
    WHERE ${quoteIdent(SCHEMA_VERSION_FIELD)} IS NOT NULL)`;
}
