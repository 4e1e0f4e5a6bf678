import type { DuckDBConnection } from "@duckdb/node-api";
import { z } from "zod";
import type { Config } from "../config.ts";
import { datasets, getDataset, type DatasetDef } from "../datasets/index.ts";
import { usageError } from "../errors.ts";
import { findVersion } from "../lineage/catalog.ts";
import { pinSet, readPins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { requireFiles } from "../store/files.ts";
import { openPinned } from "../store/pinned.ts";
import { parquetSchema } from "../store/parquet.ts";
import { parseRef, shortVersion } from "../lineage/version.ts";

export interface Column {
  name: string;
  /** The DuckDB type of the stored Parquet column, e.g. "TIMESTAMP WITH TIME ZONE". */
  type: string;
}

/** One version chosen for delivery, with what delivery needs to know about its columns. */
export interface DeliverySource {
  dataset: string;
  version: string;
  /** The files in the local store that hold its rows, checked against its hash. */
  files: string[];
  /** The pin set it was taken from; null when named by version or taken as the latest. */
  pinSet: string | null;
  /** Columns as stored: the version's own schema, which may predate the current definition. */
  columns: Column[];
  /** The time column that `--partition-by date` derives the date from, if the dataset has one. */
  timeColumn: string | undefined;
  /** Accepted values of enum columns, from the dataset's definition. */
  enums: Record<string, readonly string[]>;
}

export interface SourceRequest {
  /** "dataset", "dataset@latest" or "dataset@<version prefix>". */
  ref: string;
  /** Take the version pinned in this set. Without it and without @version: the configured set, else the latest. */
  pins?: string;
}

/** Resolves "dataset[@version]" against pins or lineage, checks the object is in the store, and reads its schema. */
export async function resolveSource(
  con: DuckDBConnection,
  config: Config,
  request: SourceRequest,
  log: Logger = silentLogger,
): Promise<DeliverySource> {
  const { dataset, version: wanted } = parseRef(request.ref);
  const hasVersion = request.ref.includes("@");
  if (hasVersion && request.pins !== undefined)
    throw usageError(`give either ${request.ref} or --pins ${request.pins}, not both`);
  let version: string;
  let from: string | null = null;
  const set = request.pins ?? config.pinSet;
  const pins = await readPins(config.lineageDir);
  // An explicit --pins must name a set that exists; the configured default may be absent.
  if (request.pins !== undefined) pinSet(pins, request.pins);
  const pinned = hasVersion ? undefined : pins[set]?.[dataset];
  const missingDetails = ['Run "labbook pull" with LABBOOK_REMOTE set, or restore it from an offload zip.'];
  let files: string[];
  if (pinned || request.pins !== undefined) {
    if (!pinned) getDataset(dataset); // a name that is no dataset at all is a usage error, not a missing pin
    const opened = await openPinned(config, {
      set,
      pins,
      reads: [dataset],
      reader: "labbook export",
      otherwise: `or name a version: ${dataset}@<version>`,
      missingDetails,
    });
    ({ version, files } = opened.objects[0]!);
    from = set;
  } else {
    version = (await findVersion(config.lineageDir, dataset, wanted)).version;
    if (!hasVersion) log.info(`${dataset}: not pinned in "${set}", using the latest version ${shortVersion(version)}`);
    files = await requireFiles(config.dataDir, version, dataset, missingDetails);
  }
  const def = datasets.find((d) => d.name === dataset);
  const columns = await parquetSchema(con, files);
  return {
    dataset,
    version,
    files,
    pinSet: from,
    columns,
    timeColumn: timeColumnOf(def, columns),
    enums: enumsOf(def),
  };
}

export type ColumnKind = "timestamp" | "date" | "integer" | "float" | "boolean" | "json" | "text" | "other";

/** Groups DuckDB types by how delivery formats, filters and partitions them. */
export function kindOf(type: string): ColumnKind {
  if (/^TIMESTAMP/.test(type)) return "timestamp";
  if (type === "DATE") return "date";
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(type)) return "integer";
  if (/^(FLOAT|DOUBLE|DECIMAL)/.test(type)) return "float";
  if (type === "BOOLEAN") return "boolean";
  if (type === "JSON") return "json";
  if (type === "VARCHAR") return "text";
  return "other";
}

function timeColumnOf(def: DatasetDef | undefined, columns: Column[]): string | undefined {
  const isTime = (name: string) => columns.some((c) => c.name === name && kindOf(c.type) === "timestamp");
  const declared = def?.source?.timeColumn;
  if (declared && isTime(declared)) return declared;
  return def?.sortKey.find(isTime) ?? columns.find((c) => kindOf(c.type) === "timestamp")?.name;
}

function enumsOf(def: DatasetDef | undefined): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const [name, field] of Object.entries(def?.schema.shape ?? {})) {
    let s = field as z.ZodType;
    while (s instanceof z.ZodNullable || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    if (s instanceof z.ZodEnum) out[name] = s.options as string[];
  }
  return out;
}
