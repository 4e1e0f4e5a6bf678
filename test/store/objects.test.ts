import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFile } from "../../loaders/store/objects.ts";

describe("hashFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "labbook-hash-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Sizes around the 4 MiB read size: empty, one byte, exactly one and two buffers, and one byte either side.
  const MiB = 1 << 20;
  it.each([0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 8 * MiB, 9 * MiB + 7])("hashes %i bytes as sha256", async (n) => {
    const bytes = randomBytes(n);
    const file = path.join(dir, `f${n}`);
    await writeFile(file, bytes);
    const expected = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    expect(await hashFile(file)).toEqual({ version: expected, size: n });
  });
});
