import { existsSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { directoryRemote } from "../../loaders/remote/dir.ts";
import { pull } from "../../loaders/remote/pull.ts";
import { push } from "../../loaders/remote/push.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { attachPinned, openPinned, type PinnedRef } from "../../loaders/store/pinned.ts";
import {
  createProject,
  dayRows,
  flipByte,
  makePartitionedVersion,
  makeVersion,
  protocolsSql,
  type TestProject,
} from "../util/project.ts";

const T0 = Date.parse("2025-07-01T00:00:00Z");
const EP = "experiment_protocols";
const PA = "phase_assignments";

/** openPinned: a pin set resolved to checked local files, or an error naming what is missing and what to do. */
describe("openPinned", () => {
  let p: TestProject;
  let remoteDir: string;
  let single: string;
  let parted: { version: string; objects: Record<string, string> };
  beforeEach(async () => {
    p = await createProject();
    remoteDir = await mkdtemp(path.join(tmpdir(), "labbook-remote-"));
    single = await makeVersion(p.config, PA, protocolsSql(4), T0);
    parted = await makePartitionedVersion(
      p.config,
      EP,
      { "2025-06-01": dayRows("2025-06-01", 3), "2025-06-02": dayRows("2025-06-02", 2, 3) },
      T0 + 1000,
    );
    await writePins(p.config.lineageDir, { default: { [EP]: parted.version, [PA]: single } });
  });
  afterEach(async () => {
    await p.remove();
    await rm(remoteDir, { recursive: true, force: true });
  });

  /** A project with the same pins and lineage records but an empty store, as a fresh clone has. */
  async function emptyClone(): Promise<TestProject> {
    const clone = await createProject();
    await cp(p.config.lineageDir, clone.config.lineageDir, { recursive: true });
    return clone;
  }

  /** Pulls from the directory remote, as `labbook build` does when LABBOOK_REMOTE is set. */
  const pullFrom = (clone: TestProject) => async (missing: PinnedRef[]) => {
    await pull(clone.config, directoryRemote(remoteDir), missing);
  };

  it("resolves every pinned version to its files: one object, or a partitioned version's partition objects", async () => {
    const opened = await openPinned(p.config);
    expect(opened.set).toBe("default");
    expect(opened.pins).toEqual({ [EP]: parted.version, [PA]: single });
    expect(opened.objects).toEqual([
      {
        dataset: EP,
        version: parted.version,
        files: Object.values(parted.objects).map((o) => objectPath(p.config.dataDir, o)),
      },
      { dataset: PA, version: single, files: [objectPath(p.config.dataDir, single)] },
    ]);
    // Only what is asked for is opened.
    expect((await openPinned(p.config, { reads: [PA] })).objects.map((o) => o.dataset)).toEqual([PA]);
    const rows = await withDuckDB(async (con) => {
      await attachPinned(con, p.config);
      return queryRows<{ ep: number; pa: number }>(
        con,
        `SELECT (SELECT count(*) FROM ${EP})::INTEGER AS ep, (SELECT count(*) FROM ${PA})::INTEGER AS pa`,
      );
    });
    expect(rows).toEqual([{ ep: 5, pa: 4 }]);
  });

  it("refuses a pin set that lacks a dataset the reader needs, naming the reader, the set and how to pin it", async () => {
    await writePins(p.config.lineageDir, { default: { [EP]: parted.version, [PA]: single }, study: { [PA]: single } });
    const error = await openPinned(p.config, { set: "study", reads: [EP, PA], reader: "labbook analyze" }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "E_NOT_FOUND",
      message: `labbook analyze reads ${EP}, which pin set "study" does not pin`,
      details: [`Pinned in "study": ${PA}.`, `Pin it with "labbook pin study ${EP}".`],
    });
    await expect(openPinned(p.config, { set: "absent" })).rejects.toThrow('no pin set "absent" in lineage/pins.json');
  });

  it("pulls missing objects from the remote when it may, and refuses them, naming each and `labbook pull`, when not", async () => {
    await push(p.config, directoryRemote(remoteDir), [
      { dataset: EP, version: parted.version },
      { dataset: PA, version: single },
    ]);
    const clone = await emptyClone();
    try {
      const error = await openPinned(clone.config).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "E_NOT_FOUND",
        message:
          "pinned objects are missing from the local store: " +
          `${EP}@${shortVersion(parted.version)}, ${PA}@${shortVersion(single)}`,
        details: ["Run `labbook pull` with LABBOOK_REMOTE set to fetch them."],
      });
      expect(existsSync(clone.config.dataDir)).toBe(false);

      const opened = await openPinned(clone.config, { fetch: pullFrom(clone) });
      expect(opened.objects.map((o) => [o.dataset, o.files])).toEqual([
        [EP, Object.values(parted.objects).map((o) => objectPath(clone.config.dataDir, o))],
        [PA, [objectPath(clone.config.dataDir, single)]],
      ]);
      for (const file of opened.objects.flatMap((o) => o.files)) expect(existsSync(file)).toBe(true);
    } finally {
      await clone.remove();
    }
  });

  it("refuses what the remote cannot supply: a pull that fails is the error, nothing is opened", async () => {
    // Only the partitioned version reaches the remote.
    await push(p.config, directoryRemote(remoteDir), [{ dataset: EP, version: parted.version }]);
    const clone = await emptyClone();
    try {
      await expect(openPinned(clone.config, { fetch: pullFrom(clone) })).rejects.toMatchObject({ code: "E_REMOTE" });
      expect(existsSync(objectPath(clone.config.dataDir, single))).toBe(false);
    } finally {
      await clone.remove();
    }
  });

  it("refuses a corrupt object without reading it, naming the version, the file and `labbook pull`", async () => {
    const file = objectPath(p.config.dataDir, single);
    await flipByte(file);
    await push(p.config, directoryRemote(remoteDir), [{ dataset: EP, version: parted.version }]);
    const views = await withDuckDB(async (con) => {
      // A fetch is offered: a corrupt local copy is still refused, never silently replaced while reading.
      const error = await attachPinned(con, p.config, { fetch: pullFrom(p) }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "E_INTEGRITY",
        message: `${PA}@${shortVersion(single)} is corrupt: ${file} does not hold version ${single}`,
      });
      expect((error as { details: string[] }).details.join("\n")).toContain('Run "labbook pull"');
      return queryRows<{ view_name: string }>(con, "SELECT view_name FROM duckdb_views() WHERE NOT internal");
    });
    expect(views).toEqual([]);
  });

  it("refuses a partitioned version one of whose partition objects is corrupt, naming that object", async () => {
    const object = Object.values(parted.objects)[1]!;
    const file = objectPath(p.config.dataDir, object);
    await flipByte(file);
    await expect(openPinned(p.config, { reads: [EP] })).rejects.toMatchObject({
      code: "E_INTEGRITY",
      message: `${EP}@${shortVersion(parted.version)} is corrupt: ${file} does not hold its partition object ${object}`,
    });
  });
});
