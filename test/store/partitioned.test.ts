import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { directoryRemote } from "../../loaders/remote/dir.ts";
import { pull } from "../../loaders/remote/pull.ts";
import { push } from "../../loaders/remote/push.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSql } from "../../loaders/deliver/sql.ts";
import { pin, unpin } from "../../loaders/lineage/pin.ts";
import { siteContext, withPinnedViews } from "../../loaders/site/context.ts";
import { diffVersions } from "../../loaders/store/diff.ts";
import { collectGarbage } from "../../loaders/store/gc.ts";
import { readableFiles, versionFiles } from "../../loaders/store/files.ts";
import { manifestPath } from "../../loaders/store/manifest.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { pinStatus } from "../../loaders/store/status.ts";
import { verifyStore } from "../../loaders/store/verify.ts";
import { runCli } from "../util/cli.ts";
import { createProject, dayRows, flipByte, makePartitionedVersion, type TestProject } from "../util/project.ts";

const DS = "experiment_protocols";
const T0 = Date.parse("2025-07-01T00:00:00Z");

/** Versions made of partitions, read, verified and collected like single-object ones. */
describe("partitioned versions in the store", () => {
  let p: TestProject;
  let v1: { version: string; objects: Record<string, string> };
  let v2: { version: string; objects: Record<string, string> };
  beforeEach(async () => {
    p = await createProject();
    const day1 = dayRows("2025-06-01", 10);
    v1 = await makePartitionedVersion(
      p.config,
      DS,
      { "2025-06-01": day1, "2025-06-02": dayRows("2025-06-02", 5, 10) },
      T0,
    );
    // The next version changes day 2 and adds day 3: day 1's object is shared.
    v2 = await makePartitionedVersion(
      p.config,
      DS,
      { "2025-06-01": day1, "2025-06-02": dayRows("2025-06-02", 6, 10), "2025-06-03": dayRows("2025-06-03", 4, 16) },
      T0 + 1000,
    );
  });
  afterEach(() => p.remove());
  const present = (object: string) => existsSync(objectPath(p.config.dataDir, object));

  it("shares the object of an unchanged partition between versions", () => {
    expect(v2.objects["2025-06-01"]).toBe(v1.objects["2025-06-01"]);
    expect(v2.objects["2025-06-02"]).not.toBe(v1.objects["2025-06-02"]);
  });

  it("reads a version's partitions as one table", async () => {
    const files = (await readableFiles(p.config.dataDir, v2.version, DS))!;
    expect(files).toEqual(Object.values(v2.objects).map((o) => objectPath(p.config.dataDir, o)));
    expect(await versionFiles(p.config.dataDir, v2.version)).toEqual(files);
    await pin(p.config, "default", [{ dataset: DS, version: v2.version }]);
    const result = await runSql(p.config, `SELECT count(*)::INTEGER AS n, max(id)::INTEGER AS top FROM ${DS}`);
    expect(result.rows).toEqual([{ n: 20, top: 19 }]);
  });

  it("the site's loaders see a pinned partitioned version as one view", async () => {
    await pin(p.config, "default", [{ dataset: DS, version: v2.version }]);
    const ctx = await siteContext({ reads: [DS] }, p.env);
    expect(ctx.objects).toEqual([
      {
        dataset: DS,
        version: v2.version,
        files: Object.values(v2.objects).map((o) => objectPath(p.config.dataDir, o)),
      },
    ]);
    const n = await withPinnedViews(ctx, async (con) =>
      Number((await con.runAndReadAll(`SELECT count(*) FROM ${DS}`)).getRows()[0]![0]),
    );
    expect(n).toBe(20);
  });

  it("status reads a pinned partitioned version's newest row, and reports a corrupt partition as its problem", async () => {
    const pins = { default: { [DS]: v2.version } };
    const [ok] = await pinStatus(p.config, pins, "default");
    expect(ok).toMatchObject({ local: true, state: "local", newestRow: "2025-06-03T12:00:00.000Z", problem: null });
    await flipByte(objectPath(p.config.dataDir, v2.objects["2025-06-03"]!));
    const [bad] = await pinStatus(p.config, pins, "default");
    expect(bad!.newestRow).toBeNull();
    expect(bad!.problem).toContain(`does not hold its partition object ${v2.objects["2025-06-03"]}`);
  });

  it("pin knows a partitioned version is local, and warns once its manifest is gone", async () => {
    const ok = await runCli(["pin", "study", `${DS}@${v2.version.slice(7, 19)}`], p.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toContain("not in the local store");
    await rm(manifestPath(p.config.dataDir, v1.version));
    const gone = await runCli(["pin", "study", `${DS}@${v1.version.slice(7, 19)}`], p.env);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stderr).toContain(`${DS}@${v1.version.slice(7, 19)} is not in the local store`);
  });

  it("refuses to read a version one of whose partition objects is corrupt, naming it", async () => {
    const file = objectPath(p.config.dataDir, v2.objects["2025-06-03"]!);
    await flipByte(file);
    await expect(readableFiles(p.config.dataDir, v2.version, DS)).rejects.toMatchObject({
      code: "E_INTEGRITY",
      message: `${DS}@${v2.version.slice(7, 19)} is corrupt: ${file} does not hold its partition object ${v2.objects["2025-06-03"]}`,
    });
  });

  it("verify checks the manifest and each object once, and names a corrupt partition and the versions that use it", async () => {
    let result = await verifyStore(p.config);
    expect(result.problems).toEqual([]);
    // Two manifests, four distinct partition objects.
    expect(result.checked).toBe(4);
    const shared = v1.objects["2025-06-01"]!;
    await flipByte(objectPath(p.config.dataDir, shared));
    result = await verifyStore(p.config);
    expect(result.problems).toEqual([
      {
        kind: "corrupt",
        dataset: DS,
        version: v2.version,
        path: objectPath(p.config.dataDir, shared),
        detail: expect.stringContaining(
          `partition 2025-06-01 (object ${shared.slice(7, 19)}) of ${DS}@${v2.version.slice(7, 19)}, ${DS}@${v1.version.slice(7, 19)}: the bytes hash to`,
        ),
      },
    ]);
  });

  it("verify reads every partition's row count from its footer and names one its manifest miscounts", async () => {
    // Intact bytes and manifest, and a wrong count: what a bug in the writer would leave.
    const v3 = await makePartitionedVersion(
      p.config,
      DS,
      { "2025-06-04": dayRows("2025-06-04", 3, 30), "2025-06-05": dayRows("2025-06-05", 2, 40) },
      T0 + 2000,
      "2025-06-05",
    );
    const { problems } = await verifyStore(p.config);
    expect(problems).toEqual([
      {
        kind: "mismatch",
        dataset: DS,
        version: v3.version,
        path: objectPath(p.config.dataDir, v3.objects["2025-06-05"]!),
        detail: `partition 2025-06-05 (object ${v3.objects["2025-06-05"]!.slice(7, 19)}) of ${DS}@${v3.version.slice(7, 19)}: 2 rows but the manifest says 3`,
      },
    ]);
  });

  it("verify names a corrupt manifest", async () => {
    await flipByte(manifestPath(p.config.dataDir, v1.version));
    const { problems } = await verifyStore(p.config);
    expect(problems[0]).toMatchObject({
      kind: "corrupt",
      version: v1.version,
      path: manifestPath(p.config.dataDir, v1.version),
    });
    // The object only that manifest named has nothing left that vouches for it.
    expect(problems.slice(1)).toMatchObject([{ kind: "orphaned", version: v1.objects["2025-06-02"] }]);
  });

  it("push sends each object once and the manifest; pull fetches only the partitions the store lacks", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "labbook-remote-"));
    const remote = directoryRemote(dir);
    try {
      const pushed = await push(p.config, remote, [
        { dataset: DS, version: v1.version },
        { dataset: DS, version: v2.version },
      ]);
      expect(pushed.pushed).toHaveLength(2);
      expect([...(await remote.list("objects/")).keys()].filter((k) => k.endsWith(".parquet"))).toHaveLength(4);
      // This store keeps v1; v2's manifest and its own two objects go, as on a machine that never pulled v2.
      const own = [v2.objects["2025-06-02"]!, v2.objects["2025-06-03"]!];
      await rm(manifestPath(p.config.dataDir, v2.version));
      for (const o of own) await rm(objectPath(p.config.dataDir, o));
      const pulled = await pull(p.config, remote, [{ dataset: DS, version: v2.version }]);
      const sizes = await Promise.all(own.map(async (o) => (await stat(objectPath(p.config.dataDir, o))).size));
      expect(pulled.bytes).toBe(sizes[0]! + sizes[1]!);
      expect(pulled.pulled).toEqual([{ dataset: DS, version: v2.version, size: sizes[0]! + sizes[1]! }]);
      expect(await readableFiles(p.config.dataDir, v2.version, DS)).toHaveLength(3);
      // Again: everything is local.
      expect(await pull(p.config, remote, [{ dataset: DS, version: v2.version }])).toMatchObject({
        present: 1,
        bytes: 0,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("diff compares only the partitions whose objects differ, and counts the shared ones as unchanged", async () => {
    const d = await diffVersions(p.config, DS, v1.version, v2.version);
    expect(d.rows).toMatchObject({ added: 5, removed: 0, changed: 0, unchanged: 15 });
    expect([d.from.rows, d.to.rows]).toEqual([15, 20]);
    expect((await diffVersions(p.config, DS, v2.version, v2.version)).rows).toMatchObject({ added: 0, unchanged: 20 });
  });

  it("gc after unpinning keeps the partitions a pinned version still shares", async () => {
    // Outside git, gc protects the working tree's pins.
    await pin(p.config, "default", [{ dataset: DS, version: v1.version }]);
    expect((await collectGarbage(p.config, { keepLast: 1 })).removed).toEqual([]);
    await unpin(p.config, "default", []);
    const gc = await collectGarbage(p.config, { keepLast: 1 });
    expect(gc.removed.map((r) => r.version).sort()).toEqual([v1.version, v1.objects["2025-06-02"]!].sort());
    expect(existsSync(manifestPath(p.config.dataDir, v1.version))).toBe(false);
    expect(present(v1.objects["2025-06-02"]!)).toBe(false);
    // Shared with the kept v2.
    expect(present(v1.objects["2025-06-01"]!)).toBe(true);
    expect(await readableFiles(p.config.dataDir, v2.version, DS)).toHaveLength(3);
    expect((await verifyStore(p.config)).problems).toEqual([]);
  });
});
