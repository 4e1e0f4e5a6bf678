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

/**
 * Runs _crash-commit.ts, which is killed between its partition objects and its manifest; with `afterManifest`, it
 * commits them all and is killed (test/util/kill-at-rename.mjs) once its manifest is in place, before its record.
 */
function crashCommit(p: TestProject, afterManifest = false): Promise<NodeJS.Signals | null> {
  const hook = ["--import", path.join(projectRoot, "test", "util", "kill-at-rename.mjs")];
  const child = spawn(
    process.execPath,
    [
      ...(afterManifest ? hook : []),
      "--import",
      "tsx",
      path.join(projectRoot, "test", "store", "_crash-commit.ts"),
      p.config.dataDir,
      p.config.lineageDir,
      ...(afterManifest ? ["whole"] : []),
    ],
    {
      cwd: projectRoot,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        LABBOOK_KILL_AT_RENAME: afterManifest ? String.raw`after:1:/objects/[0-9a-f]{2}/[0-9a-f]{64}\.json$` : "",
      },
    },
  );
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve(signal));
  });
}

/**
 * A commit killed after its partition objects reached the store and before its manifest did: its pending-commit
 * journal names the objects, verify lists them as debris of that commit (the store itself is sound), and gc removes
 * them. So too for a commit killed after its manifest and before its lineage record: nothing describes that version.
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

  it.each([
    ["between its objects and its manifest", false],
    ["between its manifest and its lineage record", true],
  ] as const)("verify lists what a commit killed %s left as debris, and gc removes it", async (_when, whole) => {
    const before = new Set((await listObjects(p.config.dataDir)).map((f) => f.path));
    expect(await crashCommit(p, whole)).toBe("SIGKILL");
    const left = (await listObjects(p.config.dataDir)).filter((f) => !before.has(f.path));
    expect(left.map((f) => f.kind).sort()).toEqual([...(whole ? ["manifest"] : []), "object", "object", "object"]);
    const [journal, ...more] = await readdir(pendingDir(p.config.dataDir));
    expect([journal, more]).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.json$/), []]);

    const verified = await verifyStore(p.config);
    expect(verified.problems).toEqual([]);
    const commit = verified.debris.filter((d) => d.kind === "commit");
    expect(commit.map((d) => d.path).sort()).toEqual(
      [...left.map((f) => f.path), path.join(pendingDir(p.config.dataDir), journal!)].sort(),
    );
    for (const d of commit) expect(d.detail).toMatch(new RegExp(`of ${DS}@[0-9a-f]{12}`));

    const gc = await collectGarbage(p.config);
    expect(gc.removed.map((r) => r.path).sort()).toEqual(left.map((f) => f.path).sort());
    expect(gc.removed.every((r) => r.interrupted)).toBe(true);
    expect(gc.unrecorded).toEqual([]);
    for (const f of left) expect(existsSync(f.path)).toBe(false);
    expect(await readdir(pendingDir(p.config.dataDir))).toEqual([]);
    expect(await verifyStore(p.config)).toMatchObject({ problems: [], debris: [] });
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
