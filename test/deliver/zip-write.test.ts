import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractZip } from "../../loaders/deliver/zip-read.ts";
import { checkZip } from "../../loaders/deliver/zip-verify.ts";
import { writeZip } from "../../loaders/deliver/zip-write.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { hashFile } from "../../loaders/store/objects.ts";

describe("writeZip", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "labbook-zip-"));
    await writeFile(path.join(dir, "a.txt"), "alpha\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("streams files and texts in, hashes each, and adds a manifest last", async () => {
    const target = path.join(dir, "out", "x.zip");
    const { files } = await writeZip(
      target,
      [
        { name: "docs/a.txt", file: path.join(dir, "a.txt") },
        { name: "note.md", data: "héllo\n" },
      ],
      { manifest: (f) => ({ files: f }), mtime: new Date(Date.UTC(2025, 0, 1)) },
    );
    expect(files).toEqual([
      { path: "docs/a.txt", sha256: (await hashFile(path.join(dir, "a.txt"))).version, size: 6 },
      { path: "note.md", sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), size: 7 },
    ]);
    const out = path.join(dir, "unpacked");
    expect((await extractZip(target, out)).sort()).toEqual(["docs/a.txt", "manifest.json", "note.md"]);
    expect((await checkZip(target)).problems).toEqual([]);
    expect((await readdir(path.dirname(target))).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("refuses a file whose bytes do not hash to the expected version, and leaves nothing behind", async () => {
    const target = path.join(dir, "bad", "y.zip");
    const wrong = `sha256:${"0".repeat(64)}`;
    const error = await writeZip(
      target,
      [{ name: "data/objects/00/x.parquet", file: path.join(dir, "a.txt"), expect: wrong }],
      {
        manifest: (f) => ({ files: f }),
      },
    ).catch((e) => e);
    expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
    expect(error.message).toBe("corrupt object in the store: data/objects/00/x.parquet");
    expect(existsSync(target)).toBe(false);
    expect(await readdir(path.dirname(target))).toEqual([]);
  });

  it("fails clearly when the zip's directory cannot be made", async () => {
    const error = await writeZip(path.join(dir, "a.txt", "z.zip"), [], { manifest: () => ({}) }).catch((e) => e);
    expect(isLabbookError(error, "E_IO")).toBe(true);
    expect(error.message).toBe(
      `cannot write to ${path.join(dir, "a.txt")}: a path component is a file, not a directory`,
    );
  });
});
