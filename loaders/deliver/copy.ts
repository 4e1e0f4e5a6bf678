import { randomUUID } from "node:crypto";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../sql-quote.ts";
import { hashThroughPipe } from "../store/objects.ts";
import type { WriteContext } from "./format.ts";
import type { ExportQuery } from "./select.ts";

/** Runs `COPY (<query>) TO '<target>' (<options>)` as a prepared statement with the query's values bound. */
export async function copyTo(
  con: DuckDBConnection,
  query: ExportQuery,
  target: string,
  options: string,
  signal?: AbortSignal,
): Promise<number> {
  const statement = await con.prepare(`COPY (${query.sql}) TO ${sqlString(target)} (${options})`);
  if (query.params.length) statement.bind(query.params);
  // DuckDB forgets an interrupt that comes before a query starts, so one that came while preparing is acted on here.
  signal?.throwIfAborted();
  const result = await statement.runAndReadAll();
  // COPY answers with one row: the number of rows written.
  return Number(result.getRows()[0]?.[0] ?? 0);
}

export interface WrittenFile {
  /** sha256:<hex> of the file's bytes. */
  sha256: string;
  size: number;
  rows: number;
}

/**
 * Copies a query into the file `name` of the export directory through a named pipe, hashing the bytes on their way
 * to disk, so a large export is never read again only to hash it. `prefix` goes first (a byte-order mark, a schema
 * line) and is hashed with the rest.
 */
export async function copyThroughPipe(
  ctx: WriteContext,
  query: ExportQuery,
  name: string,
  options: string,
  prefix = "",
): Promise<WrittenFile> {
  const fifo = path.join(ctx.dir, `.${randomUUID()}.fifo`);
  const { written, version, size } = await hashThroughPipe(
    fifo,
    path.join(ctx.dir, name),
    (pipe) => copyTo(ctx.con, query, pipe, options, ctx.signal),
    prefix,
  );
  return { sha256: version, size, rows: written };
}
