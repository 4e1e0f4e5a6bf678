import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { LabbookError } from "../errors.ts";
import { findSiblings, siblingName } from "../debris.ts";
import { hashingStream } from "../store/objects.ts";
import { writeError } from "../out-dir.ts";
import { makeDir } from "../make-dir.ts";

/** One entry of a zip: a file streamed from disk, or a small text made in memory. */
export type ZipSource =
  | { name: string; file: string; compress?: boolean; /** Fail when the bytes do not hash to this. */ expect?: string }
  | { name: string; data: string; compress?: boolean };

export interface ZippedFile {
  path: string;
  sha256: string;
  size: number;
}

export const ZIP_MANIFEST = "manifest.json";

export interface WriteZipOptions {
  /** Builds manifest.json, added last, from the sha256 of every other entry. */
  manifest: (files: ZippedFile[]) => object;
  /** Its name in the zip; default manifest.json at the top. */
  manifestName?: string;
  /** The time stamped on every entry. */
  mtime?: Date;
  signal?: AbortSignal;
}

/**
 * Writes a zip to a temp file beside `target` and renames it into place. Entries are streamed one at a time and hashed
 * on their way in, so no file is held in memory or read twice; a `file` entry whose hash is not its `expect`ed one
 * fails the whole zip (a corrupt store object is never shipped).
 */
export async function writeZip(
  target: string,
  sources: ZipSource[],
  options: WriteZipOptions,
): Promise<{ files: ZippedFile[]; size: number }> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, siblingName(path.basename(target), "tmp"));
  try {
    await makeDir(dir);
    // What a killed writer of the same zip left (debris.ts).
    for (const d of await findSiblings(dir, path.basename(target))) await rm(d.path, { force: true });
  } catch (error) {
    throw writeError(dir, error);
  }
  const mtime = options.mtime ?? new Date();
  const zip = new yazl.ZipFile();
  const written = pipeline(zip.outputStream, createWriteStream(tmp)).catch((e) => {
    throw writeError(tmp, e);
  });
  // Settles only on failure: a zip error, a write error or an interrupt.
  let onAbort = () => {};
  const failed = new Promise<never>((_, reject) => {
    zip.on("error", reject);
    written.catch(reject);
    onAbort = () => reject(options.signal!.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  failed.catch(() => {});
  try {
    const entries = sources.map(
      (source) =>
        new Promise<ZippedFile>((resolve, reject) => {
          zip.addReadStreamLazy(source.name, { mtime, compress: source.compress ?? true }, (cb) => {
            const hasher = hashingStream();
            const input = "file" in source ? createReadStream(source.file) : Readable.from([Buffer.from(source.data)]);
            hasher.stream.on("end", () => {
              const { version, size } = hasher.digest();
              resolve({ path: source.name, sha256: version, size });
            });
            pipeline(input, hasher.stream).catch(reject);
            cb(null, hasher.stream);
          });
        }),
    );
    const files = await Promise.race([Promise.all(entries), failed]);
    const corrupt = sources.filter((s, i) => "expect" in s && s.expect !== undefined && files[i]!.sha256 !== s.expect);
    if (corrupt.length)
      throw new LabbookError(`corrupt object in the store: ${corrupt[0]!.name}`, {
        code: "E_INTEGRITY",
        details: [...corrupt.map((c) => `${c.name} does not hash to its version`), 'Run "labbook verify".'],
      });
    zip.addBuffer(
      Buffer.from(`${JSON.stringify(options.manifest(files), null, 2)}\n`),
      options.manifestName ?? ZIP_MANIFEST,
      {
        mtime,
      },
    );
    zip.end();
    await Promise.race([written, failed]);
    await rename(tmp, target);
    return { files, size: (await stat(target)).size };
  } catch (error) {
    (zip.outputStream as Readable).destroy?.();
    await written.catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
