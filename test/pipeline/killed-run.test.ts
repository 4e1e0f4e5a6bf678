import { existsSync } from "node:fs";
import { cp, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Debris } from "../../loaders/debris.ts";
import { projectRoot } from "../../loaders/config.ts";
import { listVersions, recordPath } from "../../loaders/lineage/catalog.ts";
import { runPipeline } from "../../loaders/pipeline/run.ts";
import { SEED_EPOCH_MS } from "../../loaders/seed/plan.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { listObjects } from "../../loaders/store/inventory.ts";
import { manifestPath, readManifest } from "../../loaders/store/manifest.ts";
import { pendingDir, pendingPath, type PendingCommit } from "../../loaders/store/pending.ts";
import { spawnCli } from "../util/cli.ts";
import { createProject } from "../util/project.ts";
import { seededProject, type SeededProject } from "../util/seeded.ts";

const DS = "events_dedup";
const HOOK = path.join(projectRoot, "test", "util", "kill-at-rename.mjs");
const dayOf = (n: number) => new Date(SEED_EPOCH_MS + n * 86_400_000).toISOString();
/** Where a commit's renames land: its journal, a partition object, its manifest, the mark that an object is intact. */
const JOURNAL = String.raw`/pending/[0-9a-f]{64}\.json$`;
const OBJECT = String.raw`/objects/[0-9a-f]{2}/[0-9a-f]{64}\.parquet$`;
const MANIFEST = String.raw`/objects/[0-9a-f]{2}/[0-9a-f]{64}\.json$`;
const MARK = String.raw`/verified/[0-9a-f]{64}$`;

/**
 * `labbook run` publishing a new version of events_dedup, made of day partitions, killed with SIGKILL between the
 * steps of its commit: after its journal, while it marks its first partition object intact, after two partition
 * objects, after its manifest. Each kill lands exactly there (test/util/kill-at-rename.mjs), and each run starts from
 * what the kills before it left. After each, the old version is still the latest and the only one listed, the store
 * verifies, and what the kill left is listed as debris of that process. Then an uninterrupted run completes with the
 * version a run that was never killed makes, and leaves nothing behind.
 */
describe("labbook run of a partitioned stage, killed while it publishes", () => {
  let project: SeededProject;
  let old: string;
  let expected: string;
  let before: Set<string>;
  beforeAll(async () => {
    project = await seededProject();
    await project.ingest("behavioral_events", { filters: { until: dayOf(10) } });
    old = (await runPipeline(project.config, { targets: [DS] })).stages.find((s) => s.dataset === DS)!.version!;
    // Every later day gets one event sent twice (a retried write, with a new id): the dedup then differs from the
    // events on each of those days, so the next run writes partition objects of its own, not shared with the input.
    await project.db.sql.unsafe(`INSERT INTO "BehavioralEvent" SELECT 'c' || substr(md5('retry' || id), 1, 24),
        "userId", "eventType", "eventData", "timestamp", "sessionPerformanceScore", "engagementLevel",
        "completionQuality", "timeOfDay", "dayOfWeek", "contentType", "difficultyLevel", "experimentPhase",
        "randomizationSeed", "contextMetadataId"
      FROM (SELECT DISTINCT ON (date_trunc('day', "timestamp" AT TIME ZONE 'UTC')) * FROM "BehavioralEvent"
            WHERE "timestamp" >= '${dayOf(10)}'
            ORDER BY date_trunc('day', "timestamp" AT TIME ZONE 'UTC'), "timestamp", id) AS e`);
    await project.ingest("behavioral_events");
    before = new Set((await listObjects(project.config.dataDir)).map((f) => f.path));
    // The version a run never killed makes: run in a copy of the store.
    const clone = await createProject();
    try {
      await cp(project.config.dataDir, clone.config.dataDir, { recursive: true });
      await cp(project.config.lineageDir, clone.config.lineageDir, { recursive: true });
      const run = await runPipeline(clone.config, { targets: [DS] });
      expected = run.stages.find((s) => s.dataset === DS)!.version!;
    } finally {
      await clone.remove();
    }
  });
  afterAll(async () => {
    await project?.remove();
  });

  /** `labbook run events_dedup`, killed at a rename onto `pattern`; resolves once it is gone. */
  async function killedRun(when: "before" | "after", n: number, pattern: string) {
    const env = { ...project.env, NODE_OPTIONS: `--import ${HOOK}`, LABBOOK_KILL_AT_RENAME: `${when}:${n}:${pattern}` };
    const run = spawnCli(["run", DS], env, project.root);
    const done = await run.done;
    expect(done.signal, `the run was not killed: ${done.stderr}`).toBe("SIGKILL");
    return run.child.pid!;
  }

  /**
   * The store as before the run: the old version the latest and only one, readable, no record of the new one. Then
   * `labbook verify` passes, and lists as debris of the killed process (gone) what it left. Returns that debris.
   */
  async function expectStoreAsBefore(pid: number): Promise<Debris[]> {
    const { dataDir, lineageDir } = project.config;
    expect((await listVersions(lineageDir, DS)).map((v) => v.version)).toEqual([old]);
    expect(existsSync(recordPath(lineageDir, DS, expected))).toBe(false);
    expect(await readableFiles(dataDir, old, DS)).toBeDefined();
    const verify = await project.cli(["verify", "--json"]);
    expect(verify.code, verify.stdout).toBe(0);
    const { debris } = JSON.parse(verify.stdout) as { debris: Debris[] };
    expect(debris.filter((d) => d.pid !== pid)).toEqual([]);
    return debris;
  }

  /** The objects the runs added to the store, and the journal that names them, which is the killed run's. */
  async function leftByCommit(pid: number) {
    const added = (await listObjects(project.config.dataDir)).filter((f) => !before.has(f.path)).map((f) => f.path);
    const journal = JSON.parse(await readFile(pendingPath(project.config.dataDir, expected), "utf8")) as PendingCommit;
    expect(journal).toMatchObject({ dataset: DS, version: expected, pid });
    return { added, journal };
  }

  it("after its journal, before any partition object: the journal and its staged files are debris", async () => {
    const pid = await killedRun("after", 1, JOURNAL);
    const debris = await expectStoreAsBefore(pid);
    const { added } = await leftByCommit(pid);
    expect(added).toEqual([]);
    expect(debris.filter((d) => d.kind === "commit").map((d) => d.path)).toEqual([
      pendingPath(project.config.dataDir, expected),
    ]);
    // Its staged partitions and manifest, in data/tmp.
    expect(debris.filter((d) => d.kind === "staging").length).toBeGreaterThan(10);
  });

  it("while it marks its first partition object intact: the object is debris of its commit", async () => {
    const pid = await killedRun("before", 1, MARK);
    const debris = await expectStoreAsBefore(pid);
    const { added, journal } = await leftByCommit(pid);
    expect(added).toHaveLength(1);
    const commit = debris.filter((d) => d.kind === "commit").map((d) => d.path);
    expect(commit.sort()).toEqual([...added, pendingPath(project.config.dataDir, expected)].sort());
    expect(journal.objects.map((o) => o.slice(7)).some((hex) => added[0]!.endsWith(`${hex}.parquet`))).toBe(true);
    // The mark it was writing, named for its process.
    expect(debris.filter((d) => d.kind === "temp-file" && d.path.includes(`${path.sep}verified${path.sep}`))).toEqual([
      expect.objectContaining({ pid }),
    ]);
  });

  it("after two more partition objects, before the manifest: every object it put in the store is debris", async () => {
    const pid = await killedRun("after", 2, OBJECT);
    const debris = await expectStoreAsBefore(pid);
    const { added } = await leftByCommit(pid);
    expect(added).toHaveLength(3);
    expect(added.every((f) => f.endsWith(".parquet"))).toBe(true);
    expect(existsSync(manifestPath(project.config.dataDir, expected))).toBe(false);
    const commit = debris.filter((d) => d.kind === "commit").map((d) => d.path);
    expect(commit.sort()).toEqual([...added, pendingPath(project.config.dataDir, expected)].sort());
    const text = await project.cli(["verify"]);
    expect(text.code, text.stdout).toBe(0);
    expect(text.stderr).toContain(
      `warning: debris: ${added[0]} (a partition object of ${DS}@${expected.slice(7, 19)} that no recorded manifest ` +
        `names) was left by process ${pid}, which is gone (labbook gc removes it)`,
    );
  });

  it("after its manifest, before its lineage record: the whole manifest and its objects are debris", async () => {
    const pid = await killedRun("after", 1, MANIFEST);
    const debris = await expectStoreAsBefore(pid);
    const { added } = await leftByCommit(pid);
    const manifest = manifestPath(project.config.dataDir, expected);
    expect(added).toContain(manifest);
    // Whole: its bytes hash to its name, and every object it names is in the store.
    const written = (await readManifest(project.config.dataDir, expected, DS))!;
    expect(await readableFiles(project.config.dataDir, expected, DS)).toHaveLength(written.partitions.length);
    const commit = debris.filter((d) => d.kind === "commit").map((d) => d.path);
    expect(commit.sort()).toEqual([...added, pendingPath(project.config.dataDir, expected)].sort());
  });

  it("the next run completes with the version of a run never killed, and leaves nothing behind", async () => {
    const run = await project.cli(["run", DS, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const stage = (JSON.parse(run.stdout) as { stages: { dataset: string; version: string }[] }).stages.find(
      (s) => s.dataset === DS,
    )!;
    expect(stage.version).toBe(expected);
    expect((await listVersions(project.config.lineageDir, DS)).map((v) => v.version)).toEqual([expected, old]);
    const verify = await project.cli(["verify", "--json"]);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ problems: [], debris: [] });
    expect(await readdir(pendingDir(project.config.dataDir))).toEqual([]);
    expect(await readdir(path.join(project.config.dataDir, "tmp"))).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/\.(parquet|json|fifo)$/)]),
    );
  });
});
