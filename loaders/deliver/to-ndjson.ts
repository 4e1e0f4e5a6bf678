import { createHash } from "node:crypto";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { LabbookError } from "../errors.ts";
import { copyThroughPipe } from "./copy.ts";
import type { ExportFile, WriteContext } from "./format.ts";
import { exportQuery, textColumns } from "./select.ts";
import type { Column } from "./source.ts";

export const SCHEMA_VERSION_FIELD = "_schema_version";

/**
 * The schema version: the first 16 hex digits of the sha256 of the column names and types, in order, as JSON
 * (`[["id","VARCHAR"],…]`). Versions of a dataset with the same columns share it; any added, removed, renamed,
 * retyped or reordered column changes it. It needs no registry, so two exports agree without knowing each other.
 */
export function schemaVersion(columns: Column[]): string {
  const canonical = JSON.stringify(columns.map((c) => [c.name, c.type]));
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** The first line of an NDJSON export. */
export function schemaRecord(dataset: string, version: string, columns: Column[]) {
  return { _type: "schema", _version: schemaVersion(columns), dataset, version, columns };
}

/**
 * Writes `<dataset>.ndjson`: a schema record, then one JSON object per row that carries `_schema_version` first.
 * Timestamps are ISO 8601 UTC strings; JSON columns are embedded as JSON values.
 */
export async function toNdjson(ctx: WriteContext): Promise<ExportFile[]> {
  const { source } = ctx;
  if (source.columns.some((c) => c.name === SCHEMA_VERSION_FIELD))
    throw new LabbookError(
      `${source.dataset} has a column named ${SCHEMA_VERSION_FIELD}, which NDJSON exports reserve`,
      {
        code: "E_VALIDATION",
      },
    );
  const schema = schemaRecord(source.dataset, source.version, source.columns);
  const select = `${sqlString(schema._version)} AS ${quoteIdent(SCHEMA_VERSION_FIELD)}, ${textColumns(source.columns)}`;
  const name = `${source.dataset}.ndjson`;
  const written = await copyThroughPipe(
    ctx,
    exportQuery(source, select, ctx.filter),
    name,
    "FORMAT json",
    `${JSON.stringify(schema)}\n`,
  );
  return [{ path: name, ...written }];
}
