import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../datasets/rules.ts";
import { hashingStream } from "../store/objects.ts";
import type { ExportQuery } from "./select.ts";

const run = promisify(execFile);

/** Runs `COPY (<query>) TO '<target>' (<options>)` as a prepared statement with the query's values bound. */
export async function copyTo(
  con: DuckDBConnection,
  query: ExportQuery,
  target: string,
  options: string,
): Promise<number> {
  const statement = await con.prepare(`COPY (${query.sql}) TO ${sqlString(target)} (${options})`);
  if (query.params.length) statement.bind(query.params);
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
 * Copies a query into one file through a named pipe, hashing the bytes on their way to disk, so a large export is
 * never read again only to hash it. `prefix` goes first (a byte-order mark, a schema line) and is hashed with the rest.
 */
export async function copyThroughPipe(
  con: DuckDBConnection,
  query: ExportQuery,
  target: string,
  options: string,
  prefix = "",
): Promise<WrittenFile> {
  const fifo = path.join(path.dirname(target), `.${randomUUID()}.fifo`);
  await run("mkfifo", [fifo]);
  const hasher = hashingStream();
  try {
    const out = createWriteStream(target);
    const drain = pipeline(
      async function* () {
        if (prefix) yield Buffer.from(prefix, "utf8");
        yield* createReadStream(fifo);
      },
      hasher.stream,
      out,
    );
    const written = copyTo(con, query, fifo, options).catch(async (error) => {
      // DuckDB failed, perhaps before opening the pipe: open its write end so the reader sees EOF and settles.
      createWriteStream(fifo)
        .on("error", () => {})
        .end();
      throw error;
    });
    const [rows] = await Promise.all([written, drain]);
    const { version, size } = hasher.digest();
    return { sha256: version, size, rows };
  } finally {
    await rm(fifo, { force: true });
  }
}
