import { execFile } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import net from "node:net";
import { Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const { O_RDONLY, O_WRONLY, O_NONBLOCK } = constants;

/**
 * Named pipes between Node and DuckDB, opened so that nothing ever blocks. A plain open() of a FIFO waits in libuv's
 * thread pool until the other side opens it; when DuckDB fails before (or after) doing so, that wait never ends and
 * the process cannot exit. Here our ends are opened non-blocking and read or written through a libuv pipe handle
 * (net.Socket) instead of the thread pool.
 */
export async function makeFifo(file: string): Promise<void> {
  await run("mkfifo", [file]);
}

export interface FifoReader {
  stream: net.Socket;
  /** Lets the data end once every writer has closed the pipe: call when the writer is done, or has failed. */
  release(): void;
}

/** The read end, for a writer (DuckDB's COPY … TO) that opens the pipe after us, or never. */
export function fifoReader(file: string): FifoReader {
  const fd = openSync(file, O_RDONLY | O_NONBLOCK);
  // Without a writer the reader would see end-of-file at once, before the real writer opens the pipe.
  const spare = openSync(file, O_WRONLY | O_NONBLOCK);
  return { stream: new net.Socket({ fd, readable: true, writable: false }), release: closer(spare) };
}

/**
 * The write end, for a reader (DuckDB's read_csv) that opens the pipe with a blocking open(). A non-blocking open
 * fails with ENXIO until that reader is there, so this polls; `signal` ends the wait.
 */
export async function fifoWriter(file: string, signal: AbortSignal): Promise<net.Socket> {
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    signal.throwIfAborted();
    try {
      return new net.Socket({ fd: openSync(file, O_WRONLY | O_NONBLOCK), readable: false, writable: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENXIO") throw e;
    }
    await sleep(wait);
  }
}

/**
 * For a reader that may be waiting in open() for a writer that will never come: opens and closes the write end, so
 * that reader sees end-of-file. Repeats until `done` settles, since the reader may only get to its open() later.
 */
export async function releaseReader(file: string, done: Promise<unknown>): Promise<void> {
  let settled = false;
  const finished = done.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    try {
      closeSync(openSync(file, O_WRONLY | O_NONBLOCK));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENXIO") break;
    }
    await Promise.race([finished, sleep(20)]);
  }
}

function closer(fd: number): () => void {
  let open = true;
  return () => {
    if (open) closeSync(fd);
    open = false;
  };
}

/**
 * Joins small chunks into writes of about `size` bytes. postgres.js yields one chunk per row of a COPY, and one
 * write per row into a pipe costs more CPU than the rest of the feed.
 *
 * `buffer` bytes may wait here for the reader. DuckDB reads in bursts: it stops reading while it encodes a row group,
 * and with a pipe's 64 KiB of slack the stall travels back to PostgreSQL, which then sits idle. A few MiB keep the
 * server sending (5M events under load: the streaming phase took 38 s with no buffer, 32 s with 16 MiB, 28 s with
 * 32 MiB); on a quiet machine 16 MiB and 32 MiB stream equally fast (21–27 s), and 16 MiB peaks lower.
 */
export function coalesce(size = 1 << 16, buffer = 16 << 20): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  const take = () => {
    const out = Buffer.concat(parts, length);
    parts = [];
    length = 0;
    return out;
  };
  return new Transform({
    readableHighWaterMark: buffer,
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      length += chunk.length;
      done(null, length >= size ? take() : undefined);
    },
    flush(done) {
      done(null, length ? take() : undefined);
    },
  });
}
