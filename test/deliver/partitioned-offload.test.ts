import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createArchive } from "../../loaders/deliver/archive.ts";
import { offload } from "../../loaders/deliver/offload.ts";
import { restoreZip } from "../../loaders/deliver/restore.ts";
import { extractZip } from "../../loaders/deliver/zip-read.ts";
import { checkZip } from "../../loaders/deliver/zip-verify.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { manifestPath } from "../../loaders/store/manifest.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { verifyStore } from "../../loaders/store/verify.ts";
import { runCli } from "../util/cli.ts";
import { createProject, dayRows, flipByte, makePartitionedVersion, type TestProject } from "../util/project.ts";

const DS = "experiment_protocols";
const DAY = 86_400_000;
const NOW = Date.UTC(2025, 11, 1);
const clock = () => NOW;

/**
 * Offload and archive of versions made of partitions: a version goes as its manifest and its partition objects, and
 * an object another kept version shares stays in the store.
 */
describe("offload and archive of partitioned versions", () => {
  let p: TestProject;
  /** Old and unpinned: offloaded. Its day 1 object is shared with `pinned`; its day 2 object is its own. */
  let old: { version: string; objects: Record<string, string> };
  /** Old but pinned: kept, and archived. */
  let pinned: { version: string; objects: Record<string, string> };
  const present = (object: string) => existsSync(objectPath(p.config.dataDir, object));
  beforeEach(async () => {
    p = await createProject();
    const day1 = dayRows("2025-06-01", 10);
    old = await makePartitionedVersion(
      p.config,
      DS,
      { "2025-06-01": day1, "2025-06-02": dayRows("2025-06-02", 5, 10) },
      NOW - 100 * DAY,
    );
    pinned = await makePartitionedVersion(
      p.config,
      DS,
      { "2025-06-01": day1, "2025-06-02": dayRows("2025-06-02", 6, 10), "2025-06-03": dayRows("2025-06-03", 4, 16) },
      NOW - 99 * DAY,
    );
    await writePins(p.config.lineageDir, { default: { [DS]: pinned.version } });
  });
  afterEach(() => p.remove());

  it("offload moves a version's manifest and partitions into the zip, and keeps the objects a kept version shares", async () => {
    const zip = path.join(p.root, "off.zip");
    const result = await offload(p.config, { daysOld: 30, deleteSource: true, yes: true, out: zip, clock });
    expect(result.plan.candidates.map((c) => c.version)).toEqual([old.version]);
    expect(result.plan.candidates[0]!.partitions).toEqual(Object.values(old.objects));
    expect(result.deleted.map((c) => c.version)).toEqual([old.version]);

    // The zip holds the whole version, shared object included, each entry checked against its name.
    const check = await checkZip(zip);
    expect(check.problems).toEqual([]);
    const dir = path.join(p.root, "unzipped");
    const names = await extractZip(zip, dir);
    const rel = (f: string) => path.relative(p.root, f).split(path.sep).join("/");
    expect(names).toEqual(
      expect.arrayContaining([
        rel(manifestPath(p.config.dataDir, old.version)),
        ...Object.values(old.objects).map((o) => rel(objectPath(p.config.dataDir, o))),
      ]),
    );

    // In the store: the manifest and the unshared object are gone; the shared one stays for the pinned version.
    expect(existsSync(manifestPath(p.config.dataDir, old.version))).toBe(false);
    expect(present(old.objects["2025-06-02"]!)).toBe(false);
    expect(present(old.objects["2025-06-01"]!)).toBe(true);
    expect(await readableFiles(p.config.dataDir, pinned.version, DS)).toHaveLength(3);
    const verified = await verifyStore(p.config);
    expect(verified.problems).toEqual([]);
    expect(verified.absent).toEqual([expect.objectContaining({ version: old.version, reason: "offloaded" })]);

    // Unpacked into the project without overwriting, the version reads again.
    await extractZip(zip, p.root);
    expect(await readableFiles(p.config.dataDir, old.version, DS)).toHaveLength(2);
  });

  it("restore puts an offloaded partitioned version back: its manifest where a manifest goes, reported as one version", async () => {
    const zip = path.join(p.root, "off.zip");
    await offload(p.config, { daysOld: 30, deleteSource: true, yes: true, out: zip, clock });
    expect(await readableFiles(p.config.dataDir, old.version, DS)).toBeUndefined();
    const result = await restoreZip(p.config, zip);
    expect(result.restored).toEqual([{ dataset: DS, version: old.version }]);
    expect(existsSync(manifestPath(p.config.dataDir, old.version))).toBe(true);
    expect(existsSync(objectPath(p.config.dataDir, old.version))).toBe(false);
    expect(await readableFiles(p.config.dataDir, old.version, DS)).toHaveLength(2);
    expect((await verifyStore(p.config)).problems).toEqual([]);
  });

  it("offload removes nothing when a partition object is corrupt: the zip would not be a good copy", async () => {
    await flipByte(objectPath(p.config.dataDir, old.objects["2025-06-02"]!));
    const zip = path.join(p.root, "off.zip");
    await expect(
      offload(p.config, { daysOld: 30, deleteSource: true, yes: true, out: zip, clock }),
    ).rejects.toMatchObject({ code: "E_INTEGRITY" });
    expect(existsSync(manifestPath(p.config.dataDir, old.version))).toBe(true);
    expect(present(old.objects["2025-06-02"]!)).toBe(true);
  });

  it("archive holds a pinned partitioned version: its manifest and each partition object, and reads back", async () => {
    const result = await createArchive(p.config, { set: "default", out: path.join(p.root, "a.zip") });
    expect(result.datasets).toMatchObject([
      {
        dataset: DS,
        version: pinned.version,
        object: `data/objects/${pinned.version.slice(7, 9)}/${pinned.version.slice(7)}.json`,
      },
    ]);
    expect((await checkZip(result.path)).problems).toEqual([]);
    const dir = path.join(p.root, "store-from-zip");
    await extractZip(result.path, dir);
    const env = { ...p.env, LABBOOK_DATA_DIR: path.join(dir, "data"), LABBOOK_LINEAGE_DIR: path.join(dir, "lineage") };
    const verify = await runCli(["verify", "--json"], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).problems).toEqual([]);
    const sql = await runCli(["sql", "--format", "json", `SELECT count(*) AS n FROM ${DS}`], env);
    expect(sql.code, sql.stderr).toBe(0);
    expect(JSON.parse(sql.stdout)).toEqual([{ n: 20 }]);
  });

  it("archive refuses a pinned version one of whose partition objects is corrupt, naming it", async () => {
    const file = objectPath(p.config.dataDir, pinned.objects["2025-06-03"]!);
    await flipByte(file);
    await expect(createArchive(p.config, { set: "default", out: path.join(p.root, "a.zip") })).rejects.toMatchObject({
      code: "E_INTEGRITY",
      message: expect.stringContaining(`${file} does not hold its partition object`),
    });
  });
});
