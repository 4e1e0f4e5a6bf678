import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { LabbookError } from "../errors.ts";
import { hashingStream } from "../store/objects.ts";

export interface HashedEntry {
  name: string;
  /** Undefined when the entry could not be read (bad compressed data, wrong size): see `error`. */
  sha256?: string;
  size?: number;
  error?: string;
}

async function open(file: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(file, {
      lazyEntries: true,
      autoClose: false,
      strictFileNames: true,
      validateEntrySizes: true,
    });
  } catch (e) {
    throw new LabbookError(`not a readable zip: ${file}: ${(e as Error).message}`, { code: "E_INTEGRITY" });
  }
}

/**
 * Streams every file entry through sha256, one at a time. An entry that cannot be read is reported, not thrown, so a
 * check can name every bad file. `keep` names small entries whose bytes are returned too (e.g. the manifest).
 */
export async function hashZipEntries(
  file: string,
  keep: (name: string) => boolean = () => false,
): Promise<{ entries: HashedEntry[]; kept: Map<string, Buffer> }> {
  const zip = await open(file);
  const entries: HashedEntry[] = [];
  const kept = new Map<string, Buffer>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith("/")) continue;
      const hasher = hashingStream();
      const chunks: Buffer[] = [];
      const wanted = keep(entry.fileName);
      try {
        const sink = new Writable({
          write(chunk: Buffer, _encoding, done) {
            if (wanted) chunks.push(chunk);
            done();
          },
        });
        await pipeline(await zip.openReadStreamPromise(entry), hasher.stream, sink);
        const { version, size } = hasher.digest();
        entries.push({ name: entry.fileName, sha256: version, size });
        if (wanted) kept.set(entry.fileName, Buffer.concat(chunks));
      } catch (e) {
        entries.push({ name: entry.fileName, error: (e as Error).message });
      }
    }
  } catch (e) {
    throw new LabbookError(`not a readable zip: ${file}: ${(e as Error).message}`, { code: "E_INTEGRITY" });
  } finally {
    zip.close();
  }
  return { entries, kept };
}

/** Unpacks a zip under `dir`. yauzl refuses absolute names and `..`, so nothing lands outside `dir`. */
export async function extractZip(file: string, dir: string): Promise<string[]> {
  const zip = await open(file);
  const names: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith("/")) continue;
      const target = path.join(dir, ...entry.fileName.split("/"));
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      names.push(entry.fileName);
    }
  } finally {
    zip.close();
  }
  return names;
}
