import { copyFile, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isLabbookError, type LabbookError } from "../../loaders/errors.ts";
import { readableFiles, requireFiles, versionFiles } from "../../loaders/store/files.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { checkObject, verifiedPath } from "../../loaders/store/verified.ts";
import { createProject, flipByte, makeVersion, type TestProject } from "../util/project.ts";

const rows = (n: number) => `SELECT i AS id, 'row ' || i AS label FROM range(${n}) t(i) ORDER BY id`;

describe("reading a version's files", () => {
  let project: TestProject;
  let a: string;
  let b: string;
  beforeEach(async () => {
    project = await createProject();
    a = await makeVersion(project.config, "things", rows(100), 1);
    b = await makeVersion(project.config, "things", rows(200), 2);
  });
  afterEach(() => project.remove());

  const corrupt = async (version: string) =>
    readableFiles(project.config.dataDir, version, "things").then(
      () => undefined,
      (e: unknown) => e as LabbookError,
    );

  it("lists the object of a stored version, and nothing for one that is not local", async () => {
    const { dataDir } = project.config;
    expect(await versionFiles(dataDir, a)).toEqual([objectPath(dataDir, a)]);
    expect(await readableFiles(dataDir, a, "things")).toEqual([objectPath(dataDir, a)]);
    const absent = `sha256:${"0".repeat(64)}`;
    expect(await versionFiles(dataDir, absent)).toBeUndefined();
    expect(await readableFiles(dataDir, absent)).toBeUndefined();
    await expect(requireFiles(dataDir, absent, "things")).rejects.toMatchObject({
      code: "E_NOT_FOUND",
      message: "things@000000000000 is not in the local store",
    });
  });

  it("refuses an object replaced by another valid Parquet file, naming the version, the path and the repair", async () => {
    const file = objectPath(project.config.dataDir, a);
    await copyFile(objectPath(project.config.dataDir, b), file);
    const error = await corrupt(a);
    expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
    expect(error!.exitCode).toBe(1);
    expect(error!.message).toBe(`things@${a.slice(7, 19)} is corrupt: ${file} does not hold version ${a}`);
    expect(error!.details).toEqual([
      `Its bytes hash to ${b}; refused to read them.`,
      'Run "labbook pull" with LABBOOK_REMOTE set to replace it with the remote\'s copy, then "labbook verify".',
    ]);
  });

  it("notices a byte flipped after the object was trusted, even with its size and mtime put back", async () => {
    const file = objectPath(project.config.dataDir, a);
    // Committed objects were hashed as they were written, so they are trusted without a read.
    expect(await checkObject(project.config.dataDir, file, a)).toEqual({ intact: true, hashed: false });
    // A whole second, so that it can be put back exactly.
    await utimes(file, 1_700_000_000, 1_700_000_000);
    expect(await checkObject(project.config.dataDir, file, a)).toEqual({ intact: true, hashed: true });
    const before = await stat(file, { bigint: true });
    await flipByte(file);
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const after = await stat(file, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
    expect((await corrupt(a))?.code).toBe("E_INTEGRITY");
    // Still refused on the next read: a corrupt object is never remembered as good.
    expect((await corrupt(a))?.code).toBe("E_INTEGRITY");
  });

  it("hashes an object once, then trusts it while the file stays the same, across processes", async () => {
    const { dataDir } = project.config;
    const file = objectPath(dataDir, a);
    // A copy made behind labbook's back (e.g. restored from a backup): unknown, so hashed on first use.
    const bytes = await readFile(file);
    await rm(file);
    await writeFile(file, bytes);
    expect(await checkObject(dataDir, file, a)).toEqual({ intact: true, hashed: true });
    expect(await checkObject(dataDir, file, a)).toEqual({ intact: true, hashed: false });
    // The record under the data dir is what another process finds: its identity matches the file.
    const { dev, ino, size } = await stat(file, { bigint: true });
    expect(await readFile(verifiedPath(dataDir, a), "utf8")).toMatch(new RegExp(`^${dev}:${ino}:${size}:\\d+:\\d+$`));
  });

  it("hashes again when the record describes another file", async () => {
    const { dataDir } = project.config;
    await writeFile(verifiedPath(dataDir, a), "1:2:3:4:5");
    const file = objectPath(dataDir, a);
    const bytes = await readFile(file);
    await rm(file);
    await writeFile(file, bytes);
    expect(await checkObject(dataDir, file, a)).toEqual({ intact: true, hashed: true });
  });
});
