import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "./sql-quote.ts";

export interface DuckOptions {
  /**
   * Where DuckDB may spill; required for bounded memory on large inputs. Each instance spills into a directory of its
   * own below it: DuckDB names its spill files alike in every process, creates the directory when it first spills,
   * and removes it on close.
   */
  tempDir?: string;
  memoryLimit?: string;
  threads?: number;
  /** A database file; in-memory when omitted. */
  path?: string;
  readOnly?: boolean;
}

/** Opens DuckDB with labbook's settings: UTC, bounded memory, spill to the data dir. Close with `closeSync()`. */
export async function openDuckDB(
  options: DuckOptions = {},
): Promise<{ instance: DuckDBInstance; con: DuckDBConnection }> {
  const settings: Record<string, string> = {
    memory_limit: options.memoryLimit ?? "256MB",
    threads: String(options.threads ?? 2),
    // Extensions cannot be downloaded here; fail fast rather than hang on the network.
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "true",
  };
  if (options.readOnly) settings.access_mode = "READ_ONLY";
  if (options.tempDir) {
    await mkdir(options.tempDir, { recursive: true });
    // Named for this process, so that what a killed process spilled can be told apart and swept (debris.ts).
    settings.temp_directory = path.join(options.tempDir, `${process.pid}-${randomUUID()}`);
  }
  const instance = await DuckDBInstance.create(options.path ?? ":memory:", settings);
  const con = await instance.connect();
  // Set after connecting: as a startup setting it is applied before the built-in icu extension is loaded.
  await con.run("SET TimeZone = 'UTC'");
  return { instance, con };
}

/** Runs `fn` with a fresh DuckDB connection, closed afterwards. */
export async function withDuckDB<T>(fn: (con: DuckDBConnection) => Promise<T>, options: DuckOptions = {}): Promise<T> {
  const { instance, con } = await openDuckDB(options);
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** One Parquet file, or the files of a version made of partitions, read as one table. */
export type ParquetFiles = string | readonly string[];

/** `read_parquet('<file>')` with the path quoted; a list of files (a partitioned version) reads as one table. */
export const parquet = (files: ParquetFiles) =>
  typeof files === "string" || files.length === 1
    ? `read_parquet(${sqlString(typeof files === "string" ? files : files[0]!)})`
    : `read_parquet([${files.map(sqlString).join(", ")}])`;

/** Rows as plain JS objects, with BIGINTs turned into numbers where safe. */
export async function queryRows<T = Record<string, unknown>>(con: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await con.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row))
      out[k] = typeof v === "bigint" && Number.isSafeInteger(Number(v)) ? Number(v) : v;
    return out as T;
  });
}
