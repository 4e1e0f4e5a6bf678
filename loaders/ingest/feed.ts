import type net from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PendingQuery, Row, Sql } from "postgres";
import { coalesce, fifoWriter, releaseReader } from "../store/fifo.ts";

/**
 * Streams `COPY … TO STDOUT` from PostgreSQL into a named pipe that DuckDB reads (`staging` is DuckDB's side).
 * Whatever fails, DuckDB's reader gets its end-of-file, so `staging` always settles: the pipe is written only once
 * DuckDB has opened it, and is closed, or opened and closed, on every way out. `stop` aborts the feed.
 */
export async function feedCopy(
  conn: Sql,
  copySql: string,
  fifo: string,
  staging: Promise<unknown>,
  stop: AbortSignal,
): Promise<void> {
  let writer: net.Socket | undefined;
  try {
    writer = await fifoWriter(fifo, stop);
    const readable = await copyOut(conn, copySql);
    const onStop = () => readable.destroy(stop.reason as Error);
    if (stop.aborted) onStop();
    stop.addEventListener("abort", onStop, { once: true });
    try {
      await pipeline(readable, coalesce(), writer);
    } finally {
      stop.removeEventListener("abort", onStop);
    }
  } catch (error) {
    if (writer) writer.destroy();
    else await releaseReader(fifo, staging);
    throw error;
  }
}

/**
 * `COPY … TO STDOUT` as a stream whose error is never unheard. postgres.js hands the stream over through a promise,
 * and when the server fails at once (a view that cannot compute its first row: the ORDER BY evaluates every row
 * before the first is sent) the failure often arrives in the same network read as the stream. The stream is then
 * destroyed, and its 'error' emitted on the next tick, before any promise continuation can listen: an uncaught
 * exception that would end the process, though the same error also reaches the pipeline through the stream's
 * `errored` state. So the stream is given a listener as postgres.js creates it: the query's `resolve` is called
 * synchronously with it. (The error is not dropped: `pipeline` rejects with it.)
 */
async function copyOut(conn: Sql, copySql: string): Promise<Readable> {
  const query = conn.unsafe(copySql) as unknown as { resolve?: (value: unknown) => void } & PendingQuery<Row[]>;
  const resolve = query.resolve;
  if (typeof resolve === "function") {
    query.resolve = (value: unknown) => {
      if (value instanceof Readable) value.on("error", () => {});
      resolve(value);
    };
  }
  return (await query.readable()) as Readable;
}
