import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { link, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { tempName } from "../debris.ts";
import { fifoReader, makeFifo } from "./fifo.ts";
import { hashFile } from "./hash.ts";
import { markVerified } from "./verified.ts";
import { hexOf, versionOf } from "../lineage/version.ts";

/** The content-addressed layout: data/objects/<first two hex>/<hex>.parquet. */
export function objectPath(dataDir: string, version: string): string {
  const hex = hexOf(version);
  return path.join(dataDir, "objects", hex.slice(0, 2), `${hex}.parquet`);
}

export function tmpDir(dataDir: string): string {
  return path.join(dataDir, "tmp");
}

/** Where DuckDB spills (openDuckDB's `tempDir`): each instance in a directory of its own below it. */
export function spillDir(dataDir: string): string {
  return path.join(tmpDir(dataDir), "duckdb");
}

/** A file written elsewhere, hashed as it was written. */
export interface StagedFile {
  path: string;
  version: string;
  size: number;
  discard(): Promise<void>;
}

/** A fresh temp path under data/tmp, named for this process (debris.ts); the caller removes it. */
export async function tempPath(dataDir: string, suffix: string): Promise<string> {
  await mkdir(tmpDir(dataDir), { recursive: true });
  return path.join(tmpDir(dataDir), tempName(suffix));
}

/** A sha256 that counts bytes as they pass through. */
export function hashingStream() {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, digest: () => ({ version: versionOf(hash.digest("hex")), size }) };
}

/**
 * Lets a writer (DuckDB's COPY … TO) write into a named pipe while we hash the bytes on their way to a temp file, so
 * a large file is never read a second time only to hash it. `write` receives the pipe's path.
 */
export async function stageThroughPipe(
  dataDir: string,
  write: (pipePath: string) => Promise<void>,
): Promise<StagedFile> {
  const fifo = await tempPath(dataDir, ".fifo");
  const target = await tempPath(dataDir, ".parquet");
  const { version, size } = await hashThroughPipe(fifo, target, write);
  return { path: target, version, size, discard: () => rm(target, { force: true }) };
}

/**
 * Makes a named pipe at `fifo` for `write`, and copies what comes through it to `target`, after `prefix`, hashing
 * the bytes on the way. Our end never blocks (see fifo.ts), so a writer that fails or is interrupted, before or after
 * opening the pipe, cannot hang the process. On failure `target` is removed; the pipe always is.
 */
export async function hashThroughPipe<T>(
  fifo: string,
  target: string,
  write: (pipePath: string) => Promise<T>,
  prefix = "",
): Promise<{ written: T; version: string; size: number }> {
  await makeFifo(fifo);
  const hasher = hashingStream();
  try {
    const reader = fifoReader(fifo);
    const source = prefix ? prefixed(Buffer.from(prefix, "utf8"), reader.stream) : reader.stream;
    const drain = pipeline(source, hasher.stream, createWriteStream(target));
    // Done or failed, the writer has let go of the pipe: the drain then reaches its end and settles too.
    const written = write(fifo).finally(reader.release);
    const [w, d] = await Promise.allSettled([written, drain]);
    if (w.status === "rejected") throw w.reason;
    if (d.status === "rejected") throw d.reason;
    return { written: w.value, ...hasher.digest() };
  } catch (error) {
    await rm(target, { force: true });
    throw error;
  } finally {
    await rm(fifo, { force: true });
  }
}

async function* prefixed(first: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  yield* rest;
}

/**
 * Moves a staged file into the store under its version. Returns false when the store already held those bytes (the
 * staged copy is then removed: one copy per version). Call with the store lock held.
 */
export async function commitObject(dataDir: string, staged: StagedFile): Promise<boolean> {
  const dest = objectPath(dataDir, staged.version);
  if (existsSync(dest)) {
    await staged.discard();
    return false;
  }
  await mkdir(path.dirname(dest), { recursive: true });
  await rename(staged.path, dest);
  // Hashed as it was written: readers need not hash it again.
  await markVerified(dataDir, dest, staged.version);
  return true;
}

/** Adds an already-hashed file (e.g. a pulled object) without copying, when it is on the same filesystem. */
export async function adoptObject(dataDir: string, file: string, version: string): Promise<void> {
  const dest = objectPath(dataDir, version);
  if (existsSync(dest)) return;
  await mkdir(path.dirname(dest), { recursive: true });
  await link(file, dest).catch(() => rename(file, dest));
  await markVerified(dataDir, dest, version);
}

export async function objectSize(dataDir: string, version: string): Promise<number | undefined> {
  return stat(objectPath(dataDir, version)).then(
    (s) => s.size,
    () => undefined,
  );
}

export { hashFile, hexOf };
