import type net from "node:net";
import { pipeline } from "node:stream/promises";
import type { Sql } from "postgres";
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
    const readable = await conn.unsafe(copySql).readable();
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
