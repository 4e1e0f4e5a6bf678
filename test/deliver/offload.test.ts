import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOffloadIndex } from "../../loaders/store/offload-index.ts";
import { offload, planOffload } from "../../loaders/deliver/offload.ts";
import { extractZip } from "../../loaders/deliver/zip-read.ts";
import { verifyZip } from "../../loaders/deliver/zip-verify.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { recordPath } from "../../loaders/lineage/catalog.ts";
import { memoryLogger } from "../../loaders/log.ts";
import { isLocal, versionFiles, versionStoreFiles } from "../../loaders/store/files.ts";
import { hashFile } from "../../loaders/store/objects.ts";
import { verifyStore } from "../../loaders/store/verify.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { flipByte, shallowClone } from "../util/project.ts";
import { listTree } from "../util/tree.ts";
import { seededProject, type SeededProject } from "../util/seeded.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 11, 1);
const clock = () => NOW;

describe("offload", () => {
  let project: SeededProject;
  /** Old; pinned only in an earlier commit. */
  let inHistory: string;
  /** Old; pinned in the working tree (set "old"). */
  let inWorkingTree: string;
  /** Old; pinned nowhere: the one to move. */
  let unpinned: string;
  /** Pinned nowhere but made yesterday. */
  let recent: string;
  /** Old context_metadata, pinned in "default". */
  let context: string;
  /** How many partition objects `unpinned` has (one per day, each shared with `recent`), besides its manifest. */
  let unpinnedParts: number;
  /** Whether a version's files are all in the store: its manifest and partition objects (behavioral_events by day). */
  const exists = (v: string) => isLocal(project.config.dataDir, v);
  /** Each store file of a version, relative to `dataDir`, with its sha256 and size; undefined when one is absent. */
  const storeFiles = async (dataDir: string, v: string) => {
    const files = await versionStoreFiles(dataDir, v);
    return (
      files &&
      Promise.all(
        files.map(async (f) => ({
          path: path.relative(dataDir, f.file),
          ...(await hashFile(f.file)),
          object: f.object,
        })),
      )
    );
  };
  /** Every store file of the version holds the bytes its name promises. */
  const intact = async (dataDir: string, v: string) => {
    const files = await storeFiles(dataDir, v);
    return files !== undefined && files.every((f) => f.version === f.object);
  };

  beforeAll(async () => {
    project = await seededProject();
    const old = NOW - 100 * DAY;
    const ingest = async (since: string | undefined, at: number) =>
      (await project.ingest("behavioral_events", { filters: since ? { since } : {}, at }))[0]!.version;
    inHistory = await ingest("2025-06-03", old);
    inWorkingTree = await ingest("2025-06-05", old + DAY);
    unpinned = await ingest("2025-06-08", old + 2 * DAY);
    recent = await ingest(undefined, NOW - DAY);
    context = (await project.ingest("context_metadata", { at: old }))[0]!.version;
    unpinnedParts = (await versionFiles(project.config.dataDir, unpinned))!.length;
    await writeFile(path.join(project.root, ".gitignore"), "data/\n");
    await project.git("init", "-q", "-b", "main");
    await project.pin({ default: { context_metadata: context }, study: { behavioral_events: inHistory } });
    await project.git("add", ".");
    await project.git("commit", "-q", "-m", "pin study");
    // Unpinned in the working tree (and committed): only history still needs it.
    await project.pin({ default: { context_metadata: context }, old: { behavioral_events: inWorkingTree } });
    await project.git("commit", "-q", "-am", "unpin study");
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("plans only unpinned versions older than the cutoff, honouring pins in git history", async () => {
    const plan = await planOffload(project.config, { daysOld: 30, clock });
    expect(plan.candidates.map((c) => c.version)).toEqual([unpinned]);
    expect(plan.candidates[0]).toMatchObject({ dataset: "behavioral_events", ageDays: 98 });
    expect(plan.pinnedKept).toBe(3);
    expect(plan.protection).toBe("working tree and git history");
    expect(plan.cutoff).toBe(new Date(NOW - 30 * DAY).toISOString());
  });

  it("without --yes only says what it would do", async () => {
    const result = await offload(project.config, { daysOld: 30, deleteSource: true, clock });
    expect(result.dryRun).toBe(true);
    expect(result.zip).toBe(path.join(project.config.dataDir, "offload", "offload-20251201T000000Z.zip"));
    expect(existsSync(result.zip!)).toBe(false);
    expect(await exists(unpinned)).toBe(true);
  });

  it("refuses, touching nothing, when a reachable commit's pins.json does not parse", async () => {
    await project.git("checkout", "-q", "-b", "broken");
    await writeFile(path.join(project.config.lineageDir, "pins.json"), "{ not json\n");
    await project.git("commit", "-q", "-am", "broken pins");
    const broken = await project.git("rev-parse", "HEAD");
    await project.git("checkout", "-q", "main");
    try {
      for (const yes of [false, true]) {
        const error = await offload(project.config, { daysOld: 30, deleteSource: true, yes, clock }).catch((e) => e);
        expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
        expect(error.message).toMatch(
          new RegExp(
            `^offload refused: lineage/pins\\.json at commit ${broken.slice(0, 12)} \\(reached from refs/heads/broken\\) is not valid JSON`,
          ),
        );
      }
      const cli = await runCli(["offload", "--days-old", "30", "--delete-source", "--yes"], project.env);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`error: offload refused: lineage/pins.json at commit ${broken.slice(0, 12)}`);
      expect(existsSync(path.join(project.config.dataDir, "offload"))).toBe(false);
      for (const v of [inHistory, inWorkingTree, unpinned, recent, context]) expect(await exists(v)).toBe(true);
    } finally {
      await project.git("branch", "-D", "-q", "broken");
    }
  });

  it("refuses in a shallow clone unless allowShallow, which honours only the history present", async () => {
    const shallow = await shallowClone(project);
    try {
      const { root, env, config: clone } = shallow;
      const error = await planOffload(clone, { daysOld: 30, clock }).catch((e) => e);
      expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
      expect(error.message).toBe(
        `offload refused: ${root} is a shallow git clone: pins committed before its 1 boundary commit(s) cannot be seen`,
      );
      const cli = await runCli(["offload", "--days-old", "30"], env);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain("--allow-shallow");

      const plan = await planOffload(clone, { daysOld: 30, clock, allowShallow: true });
      expect(plan.protection).toBe("working tree and shallow git history");
      // The commit that pinned inHistory lies beyond the boundary.
      expect(plan.candidates.map((c) => c.version).sort()).toEqual([inHistory, unpinned].sort());
      const shown = await runCli(["offload", "--days-old", "30", "--allow-shallow"], env);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stderr).toContain("pins honoured: working tree and shallow git history");
    } finally {
      await shallow.remove();
    }
  });

  it("moves the unpinned old versions into a verified zip and removes them, never a pinned one", async () => {
    const log = memoryLogger();
    const before = (await storeFiles(project.config.dataDir, unpinned))!;
    expect(before.length).toBeGreaterThan(2);
    const result = await offload(project.config, { daysOld: 30, deleteSource: true, yes: true, clock, log });
    expect(result.deleted.map((d) => d.version)).toEqual([unpinned]);
    expect((await verifyZip(result.zip!)).problems).toEqual([]);
    expect(await exists(unpinned)).toBe(false);
    for (const v of [inHistory, inWorkingTree, recent, context]) expect(await exists(v)).toBe(true);
    // Lineage records are history: they stay.
    expect(existsSync(recordPath(project.config.lineageDir, "behavioral_events", unpinned))).toBe(true);
    const index = await readOffloadIndex(project.config.dataDir);
    expect(index[unpinned]).toEqual({
      dataset: "behavioral_events",
      zips: [{ path: "offload/offload-20251201T000000Z.zip", at: new Date(NOW).toISOString(), removedFromStore: true }],
    });
    // verify names the zip that holds it: as an absent version, and in the problem when a pin asks for it.
    const zip = "offload/offload-20251201T000000Z.zip";
    const absent = (await verifyStore(project.config)).absent.filter((x) => x.version === unpinned);
    expect(absent).toEqual([{ dataset: "behavioral_events", version: unpinned, reason: "offloaded", zip }]);
    const asked = await verifyStore(project.config, { dataset: "behavioral_events", version: unpinned.slice(7, 19) });
    expect(asked.problems.map((x) => x.detail)).toEqual([
      `behavioral_events@${shortVersion(unpinned)} is asked for but its object is not in the store (offloaded to ${zip}: unzip -n it into the project root)`,
    ]);
    // The zip restores the exact bytes.
    const restored = path.join(project.root, "restored");
    await extractZip(result.zip!, restored);
    expect(await storeFiles(path.join(restored, "data"), unpinned)).toEqual(before);
    expect(existsSync(recordPath(path.join(restored, "lineage"), "behavioral_events", unpinned))).toBe(true);
  });

  it("restores by unpacking into the project root: the project's own files stay as they were", async () => {
    const zip = path.join(project.config.dataDir, "offload", "offload-20251201T000000Z.zip");
    const root = await mkdtemp(path.join(tmpdir(), "labbook-restore-"));
    try {
      await cp(project.root, root, { recursive: true });
      await writeFile(path.join(root, "README.md"), "# our study\n");
      const files = (await listTree(root)).filter((f) => !f.endsWith("/"));
      const before = await Promise.all(files.map((f) => readFile(path.join(root, f))));
      // Unpacked over the project, overwriting (the harshest way): nothing that was there changes.
      const names = await extractZip(zip, root);
      for (const [i, f] of files.entries()) expect(await readFile(path.join(root, f)), f).toEqual(before[i]);
      expect(names).toContain("data/offload/offload-20251201T000000Z/README.md");
      const env = {
        ...project.env,
        LABBOOK_ROOT: root,
        LABBOOK_DATA_DIR: path.join(root, "data"),
        LABBOOK_LINEAGE_DIR: path.join(root, "lineage"),
      };
      const verify = await runCli(["verify", `behavioral_events@${unpinned}`, "--json"], env);
      expect(verify.code, verify.stdout).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: unpinnedParts });
      expect(await intact(path.join(root, "data"), unpinned)).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("keeps working-tree pins safe outside a git repository, and says so", async () => {
    const log = memoryLogger();
    const bare = { ...project.config, root: await mkdtemp(path.join(tmpdir(), "labbook-no-git-")) };
    const plan = await planOffload(bare, { daysOld: 30, clock, log });
    expect(plan.protection).toBe("working tree only");
    expect(plan.candidates.map((c) => c.version)).toEqual([inHistory]);
    expect(log.lines).toContain(
      "warning: offload: not in a git repository, so only the working tree's lineage/pins.json protects versions",
    );
    await rm(bare.root, { recursive: true });
  });

  it("CLI: a dry run lists the versions and removes nothing", async () => {
    const { code, stdout, stderr } = await runCli(["offload", "--days-old", "1", "--delete-source"], project.env);
    expect(code).toBe(0);
    expect(stdout).toContain("behavioral_events");
    expect(stderr).toMatch(
      /dry run: would write 1 versions, \d+ bytes to .* and remove them from the store; pins honoured: working tree and git history\. Pass --yes to do it\./,
    );
    expect(await exists(recent)).toBe(true);
  });

  it("CLI: --delete-source --yes writes the zip and removes the old unpinned versions, never a pinned one", async () => {
    // The CLI runs on the real clock: `recent` (made the day before NOW) is the one unpinned version left to move.
    const { code, stdout, stderr } = await runCli(
      ["offload", "--days-old", "1", "--delete-source", "--yes", "--json"],
      project.env,
    );
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.dryRun).toBe(false);
    expect(result.deleted.map((d: { version: string }) => d.version)).toEqual([recent]);
    expect((await verifyZip(result.zip)).problems).toEqual([]);
    expect(await exists(recent)).toBe(false);
    for (const v of [inHistory, inWorkingTree, context]) expect(await exists(v)).toBe(true);
    expect((await readOffloadIndex(project.config.dataDir))[recent]!.zips[0]!.removedFromStore).toBe(true);
  });

  it("CLI: --days-old is required and must be a whole number", async () => {
    expect((await runCli(["offload"], project.env)).code).toBe(2);
    const bad = await runCli(["offload", "--days-old", "soon"], project.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--days-old takes a whole number from 0 to 100000, got "soon"');
  });

  it("CLI: restore verifies the zip, brings the version back without overwriting anything, and notes it", async () => {
    const zip = path.join(project.config.dataDir, "offload", "offload-20251201T000000Z.zip");
    const record = recordPath(project.config.lineageDir, "behavioral_events", unpinned);
    const recordBefore = await readFile(record);
    // A corrupt copy restores nothing.
    const bad = path.join(project.root, "bad.zip");
    await cp(zip, bad);
    await flipByte(bad);
    const refused = await runCli(["restore", bad, "--json"], project.env);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: "E_INTEGRITY" });
    expect(await exists(unpinned)).toBe(false);

    const restored = await runCli(["restore", zip, "--json"], project.env);
    expect(restored.code, restored.stderr).toBe(0);
    const result = JSON.parse(restored.stdout);
    // Its partition objects never left: the other versions name them. Only its manifest comes back.
    expect(result).toMatchObject({
      restored: [{ dataset: "behavioral_events", version: unpinned }],
      present: unpinnedParts,
      records: 0,
      skipped: [],
    });
    expect(result.kept).toContain(`lineage/behavioral_events/${unpinned.slice(7)}.json`);
    expect(await intact(project.config.dataDir, unpinned)).toBe(true);
    expect(await readFile(record)).toEqual(recordBefore);
    expect((await readOffloadIndex(project.config.dataDir))[unpinned]!.restored).toEqual([
      { path: "offload/offload-20251201T000000Z.zip", at: expect.any(String) },
    ]);
    const verify = await runCli(["verify", `behavioral_events@${unpinned}`, "--json"], project.env);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: unpinnedParts });
    // Again: everything is in place already.
    const again = JSON.parse((await runCli(["restore", zip, "--json"], project.env)).stdout);
    expect(again).toMatchObject({ restored: [], present: unpinnedParts + 1, records: 0 });
  });
});
