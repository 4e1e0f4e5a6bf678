import type { DuckDBConnection } from "@duckdb/node-api";
import type { BoundFilter } from "./filter.ts";
import type { DeliverySource } from "./source.ts";

export const EXPORT_FORMATS = ["csv", "ndjson", "parquet"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const PARQUET_COMPRESSIONS = ["snappy", "gzip", "zstd", "brotli", "lz4"] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

/** What a format writer gets: the version, the bound filter, and an empty directory to write into. */
export interface WriteContext {
  con: DuckDBConnection;
  source: DeliverySource;
  filter: BoundFilter;
  dir: string;
  /** Ends the export: an interrupt that DuckDB would miss is checked before each COPY starts. */
  signal?: AbortSignal;
}

/** One file of an export, as the manifest lists it. */
export interface ExportFile {
  /** Relative to the export directory, with "/" separators. */
  path: string;
  sha256: string;
  size: number;
  rows: number;
}
