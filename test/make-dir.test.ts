import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeDir } from "../loaders/make-dir.ts";

describe("makeDir", () => {
  it("makes every missing directory, and accepts one that exists", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "labbook-make-dir-"));
    try {
      const deep = path.join(root, "a", "b", "c");
      await makeDir(deep);
      expect((await stat(deep)).isDirectory()).toBe(true);
      await makeDir(deep);
      await writeFile(path.join(root, "file"), "x");
      await expect(makeDir(path.join(root, "file", "d"))).rejects.toMatchObject({ code: "ENOTDIR" });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  // fs.mkdir(…, { recursive: true }) never settles here: it retries the ENOENT for ever.
  it.runIf(existsSync("/proc/self"))("fails on a directory the file system will not create", async () => {
    await expect(makeDir("/proc/labbook-x/y")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
