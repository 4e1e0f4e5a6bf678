import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { projectRoot } from "../../loaders/config.ts";
import { withDuckDB } from "../../loaders/duckdb.ts";
import type { LineageRecord } from "../../loaders/lineage/record.ts";
import { commitPartitioned } from "../../loaders/store/commit.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { manifestPath, stageManifest } from "../../loaders/store/manifest.ts";
import { collectGarbage } from "../../loaders/store/gc.ts";
import { listObjects } from "../../loaders/store/inventory.ts";
import { commitObject, objectPath } from "../../loaders/store/objects.ts";
import { stageQuery } from "../../loaders/store/parquet.ts";
import { beginPending, pendingDir } from "../../loaders/store/pending.ts";
import { verifyStore } from "../../loaders/store/verify.ts";
import { createProject, dayRows, makePartitionedVersion, type TestProject } from "../util/project.ts";

const DS = "experiment_protocols";

/** Runs _crash-commit.ts, which is killed between its partition objects and its manifest. */
function crashCommit(p: TestProject): Promise<NodeJS.Signals | null> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(projectRoot, "test", "store", "_crash-commit.ts"),
      p.config.dataDir,
      p.config.lineageDir,
    ],
    { cwd: projectRoot, stdio: ["ignore", "ignore", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve(signal));
  });
}

/**
 * A commit killed after its partition objects reached the store and before its manifest did: its pending-commit
 * journal names the objects, verify reports them as left by that commit, and gc removes them and the journal.
 */
describe("interrupted partitioned commits", () => {
  let p: TestProject;
  let kept: { version: string; objects: Record<string, string> };
  beforeEach(async () => {
    p = await createProject();
    kept = await makePartitionedVersion(
      p.config,
      DS,
      { "2025-06-01": dayRows("2025-06-01", 10) },
      Date.UTC(2025, 6, 1),
    );
  });
  afterEach(() => p.remove());

  it("verify reports the objects a killed commit left, and gc removes them and its journal", async () => {
    const before = new Set((await listObjects(p.config.dataDir)).map((f) => f.path));
    expect(await crashCommit(p)).toBe("SIGKILL");
    const left = (await listObjects(p.config.dataDir)).filter((f) => !before.has(f.path));
    expect(left.length).toBe(3);
    expect(left.every((f) => f.kind === "object")).toBe(true);
    expect(await readdir(pendingDir(p.config.dataDir))).toHaveLength(1);

    const verified = await verifyStore(p.config);
    expect(verified.problems.map((x) => [x.kind, x.path])).toEqual(left.map((f) => ["orphaned", f.path]));
    for (const x of verified.problems)
      expect(x.detail).toMatch(new RegExp(`left by an interrupted commit of ${DS}@[0-9a-f]{12} \\(pid \\d+\\)`));

    const gc = await collectGarbage(p.config);
    expect(gc.removed.map((r) => r.path).sort()).toEqual(left.map((f) => f.path).sort());
    expect(gc.unrecorded).toEqual([]);
    for (const f of left) expect(existsSync(f.path)).toBe(false);
    expect(await readdir(pendingDir(p.config.dataDir))).toEqual([]);
    expect((await verifyStore(p.config)).problems).toEqual([]);
    expect(await readableFiles(p.config.dataDir, kept.version, DS)).toHaveLength(1);
  });

  it("leaves alone the objects of a commit whose process still runs, and those a stored manifest names", async () => {
    // A journal of this (live) process, naming a stored version's partition and a new object: a commit under way.
    const fresh = await withDuckDB(async (con) => {
      const staged = await stageQuery(con, p.config.dataDir, dayRows("2025-06-09", 3));
      await commitObject(p.config.dataDir, staged);
      return staged.version;
    });
    const shared = kept.objects["2025-06-01"]!;
    await beginPending(p.config.dataDir, {
      dataset: DS,
      version: `sha256:${"e".repeat(64)}`,
      objects: [shared, fresh],
    });
    const verified = await verifyStore(p.config);
    expect(verified.problems.map((x) => x.detail)).toEqual([expect.stringMatching(/has no lineage record$/)]);
    const gc = await collectGarbage(p.config);
    expect(gc.removed).toEqual([]);
    expect(existsSync(objectPath(p.config.dataDir, fresh))).toBe(true);
    expect(await readdir(pendingDir(p.config.dataDir))).toHaveLength(1);
  });
  it("refuses a commit whose manifest reuses an object that left the store while the ingest ran", async () => {
    // As if gc or offload removed the reused object between the ingest's plan and its commit.
    const gone = `sha256:${"d".repeat(64)}`;
    const manifest = await stageManifest(p.config.dataDir, {
      partitioning: { column: "at", grain: "day" },
      schema: [{ name: "id", type: "BIGINT" }],
      partitions: [{ key: "2025-06-05", object: gone, rows: 1, bytes: 1 }],
    });
    const record = { run: { runId: "x" } } as unknown as LineageRecord;
    await expect(commitPartitioned(p.config, DS, [], manifest, record)).rejects.toMatchObject({
      code: "E_NOT_FOUND",
      message: `${DS}: 1 partition object(s) the ingest reused left the store while it ran (2025-06-05)`,
    });
    expect(existsSync(manifestPath(p.config.dataDir, manifest.version))).toBe(false);
    await manifest.discard();
  });
});
