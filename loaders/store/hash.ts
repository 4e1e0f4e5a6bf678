import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { versionOf } from "../lineage/version.ts";

/** Hashes a file by streaming it once (for verify, pulls and files made elsewhere). */
export async function hashFile(file: string): Promise<{ version: string; size: number }> {
  const hash = createHash("sha256");
  const handle = await open(file);
  // Several reads in flight into reused buffers while the main thread hashes the oldest: reading and hashing overlap,
  // and no chunk is allocated. 142 MB with the page cache dropped: a read stream hashed at 360 MB/s, two 4 MiB
  // buffers at 1.0-1.2 GB/s, four 1 MiB reads at 1.3 GB/s (SHA-256 alone runs at 1.6 GB/s here).
  const reads: Promise<{ buffer: Buffer; got: number }>[] = [];
  let position = 0;
  const readNext = (buffer: Buffer) => {
    const at = position;
    position += buffer.length;
    reads.push(readRange(handle, buffer, at).then((got) => ({ buffer, got })));
  };
  let size = 0;
  try {
    for (let i = 0; i < HASH_READS; i++) readNext(Buffer.allocUnsafe(HASH_CHUNK));
    for (;;) {
      const { buffer, got } = await reads.shift()!;
      hash.update(buffer.subarray(0, got));
      size += got;
      if (got < buffer.length) break;
      readNext(buffer);
    }
  } finally {
    await Promise.allSettled(reads);
    await handle.close();
  }
  return { version: versionOf(hash.digest("hex")), size };
}

const HASH_CHUNK = 1 << 20;
const HASH_READS = 4;

/** Fills `buffer` from `at`, short only at the end of the file. */
async function readRange(handle: FileHandle, buffer: Buffer, at: number): Promise<number> {
  let got = 0;
  while (got < buffer.length) {
    const { bytesRead } = await handle.read(buffer, got, buffer.length - got, at + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
