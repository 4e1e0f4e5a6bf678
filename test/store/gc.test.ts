import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isLabbookError } from "../../loaders/errors.ts";
import { pin, unpin } from "../../loaders/lineage/pin.ts";
import { memoryLogger } from "../../loaders/log.ts";
import { collectGarbage } from "../../loaders/store/gc.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { readTombstones } from "../../loaders/store/tombstones.ts";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, protocolsSql, shallowClone, type TestProject } from "../util/project.ts";

const DS = "experiment_protocols";
const T0 = Date.parse("2025-07-01T00:00:00Z");

describe("gc", () => {
  let p: TestProject;
  let versions: string[];
  beforeEach(async () => {
    p = await createProject({ git: true });
    versions = [];
    for (let i = 0; i < 3; i++) versions.push(await makeVersion(p.config, DS, protocolsSql(3 + i), T0 + i * 1000));
  });
  afterEach(() => p.remove());

  const present = (v: string) => existsSync(objectPath(p.config.dataDir, v));

  it("keeps a pinned version and the newest one, removes the rest and lists them in data/gc.json", async () => {
    const [v1, v2, v3] = versions as [string, string, string];
    await pin(p.config, "default", [{ dataset: DS, version: v1 }]);
    const r = await runCli(["gc", "--json"], p.env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.removed.map((x: { version: string }) => x.version)).toEqual([v2]);
    expect(out.bytesFreed).toBeGreaterThan(0);
    expect([present(v1), present(v2), present(v3)]).toEqual([true, false, true]);
    expect(Object.keys(await readTombstones(p.config.dataDir))).toEqual([v2]);
  });

  it("with --dry-run removes nothing", async () => {
    const r = await runCli(["gc", "--dry-run", "--keep-last", "0"], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would remove experiment_protocols@/);
    expect(versions.every(present)).toBe(true);
    expect(await readTombstones(p.config.dataDir)).toEqual({});
  });

  it("keeps a version pinned in one commit and unpinned in the next while a branch or tag reaches that commit", async () => {
    const [v1, v2] = versions as [string, string, string];
    await p.commitLineage("versions");
    await p.git("checkout", "-q", "-b", "exp");
    await pin(p.config, "exp", [{ dataset: DS, version: v1 }]);
    await p.commitLineage("pin v1");
    await p.git("tag", "-a", "pinned-v1", "-m", "pinned v1");
    await unpin(p.config, "exp", []);
    await p.commitLineage("unpin v1");
    await p.git("checkout", "-q", "main");

    const keepLast0 = () => collectGarbage(p.config, { keepLast: 0 });
    // Neither working tree pins v1; branch exp and tag pinned-v1 both reach the commit that did.
    let r = await keepLast0();
    expect(r.removed.map((x) => x.version).sort()).toEqual([v2, versions[2]].sort());
    expect(present(v1)).toBe(true);
    expect(r.history!.commits).toBe(4);

    await p.git("branch", "-D", "-q", "exp");
    r = await keepLast0();
    expect(r.removed).toEqual([]);
    expect(present(v1)).toBe(true);

    await p.git("tag", "-d", "pinned-v1");
    r = await keepLast0();
    expect(r.removed.map((x) => x.version)).toEqual([v1]);
    expect(present(v1)).toBe(false);
  });

  it("keeps objects no lineage record describes", async () => {
    const { rm } = await import("node:fs/promises");
    const { recordPath } = await import("../../loaders/lineage/catalog.ts");
    await rm(recordPath(p.config.lineageDir, DS, versions[0]!));
    const r = await collectGarbage(p.config, { keepLast: 0 });
    expect(r.unrecorded).toEqual([objectPath(p.config.dataDir, versions[0]!)]);
    expect(present(versions[0]!)).toBe(true);
    expect(r.removed).toHaveLength(2);
  });

  /** Pins v1 in a tagged commit on main and unpins it in the next, so only history protects it. */
  async function pinInHistoryOnly(v1: string): Promise<void> {
    await p.commitLineage("versions");
    await pin(p.config, "exp", [{ dataset: DS, version: v1 }]);
    await p.commitLineage("pin v1");
    await p.git("tag", "pinned-v1");
    await unpin(p.config, "exp", []);
    await p.commitLineage("unpin v1");
  }

  it("refuses, removing nothing, when a reachable commit's pins.json does not parse", async () => {
    await pinInHistoryOnly(versions[0]!);
    await p.git("checkout", "-q", "-b", "side");
    await writeFile(path.join(p.config.lineageDir, "pins.json"), '{"exp": {"experiment_protocols": ');
    await p.commitLineage("broken pins");
    const side = await p.git("rev-parse", "HEAD");
    await p.git("checkout", "-q", "main");

    const error = await collectGarbage(p.config, { keepLast: 0 }).catch((e) => e);
    expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
    expect(error.message).toMatch(
      new RegExp(
        `^gc refused: lineage/pins\\.json at commit ${side.slice(0, 12)} \\(reached from refs/heads/side\\) is not valid JSON: `,
      ),
    );
    expect(error.details.join("\n")).toContain("refs/heads/side");
    expect(versions.every(present)).toBe(true);
    expect(await readTombstones(p.config.dataDir)).toEqual({});

    const cli = await runCli(["gc", "--keep-last", "0", "--json"], p.env);
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout).error.code).toBe("E_INTEGRITY");
    expect(versions.every(present)).toBe(true);

    // Once the broken history is gone, gc runs and still keeps what the tag pinned.
    await p.git("branch", "-D", "-q", "side");
    const r = await collectGarbage(p.config, { keepLast: 0 });
    expect(r.removed.map((x) => x.version).sort()).toEqual([versions[1], versions[2]].sort());
    expect(present(versions[0]!)).toBe(true);
  });

  it("refuses, removing nothing, when a git object of reachable history is missing", async () => {
    await pinInHistoryOnly(versions[0]!);
    const blob = await p.git("rev-parse", "pinned-v1:lineage/pins.json");
    await rm(path.join(p.root, ".git", "objects", blob.slice(0, 2), blob.slice(2)));
    const error = await collectGarbage(p.config, { keepLast: 0 }).catch((e) => e);
    expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
    expect(error.message).toMatch(
      /^gc refused: cannot read lineage\/pins\.json at commit [0-9a-f]{12} \(reached from /,
    );
    expect(error.details.join("\n")).toContain("git fsck");
    expect(versions.every(present)).toBe(true);
  });

  it("refuses in a shallow clone unless --allow-shallow, which protects only the history present", async () => {
    const [v1, v2, v3] = versions as [string, string, string];
    await pinInHistoryOnly(v1);
    const clone = await shallowClone(p);
    try {
      const { root, env, config } = clone;
      const inClone = (v: string) => existsSync(objectPath(config.dataDir, v));

      const error = await collectGarbage(config, { keepLast: 0 }).catch((e) => e);
      expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
      expect(error.message).toBe(
        `gc refused: ${root} is a shallow git clone: pins committed before its 1 boundary commit(s) cannot be seen`,
      );
      const cli = await runCli(["gc", "--keep-last", "0"], env);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain("--allow-shallow");
      expect([v1, v2, v3].every(inClone)).toBe(true);

      const log = memoryLogger();
      const r = await collectGarbage(config, { keepLast: 0, allowShallow: true, log });
      // main and origin/main, both at the one commit fetched.
      expect(r.history).toEqual({ refs: 2, commits: 1, truncated: 1 });
      // The commit that pinned v1 lies beyond the boundary: only the flag's caveat lets it go.
      expect(r.removed.map((x) => x.version).sort()).toEqual([v1, v2, v3].sort());
      expect(log.lines).toContain(
        "warning: gc: shallow clone (--allow-shallow): pins before 1 boundary commit(s) were not seen",
      );
      // The original repository, with its full history, still keeps v1.
      expect(
        (await collectGarbage(p.config, { keepLast: 0, dryRun: true })).removed.map((x) => x.version),
      ).not.toContain(v1);
    } finally {
      await clone.remove();
    }
  });

  it("outside a git repository keeps the working tree's pins and says so", async () => {
    const bare = await createProject();
    try {
      const v = await makeVersion(bare.config, DS, protocolsSql(3), T0);
      await makeVersion(bare.config, DS, protocolsSql(4), T0 + 1000);
      await pin(bare.config, "default", [{ dataset: DS, version: v }]);
      const log = memoryLogger();
      const r = await collectGarbage(bare.config, { keepLast: 0, log });
      expect(r.history).toBeNull();
      expect(r.removed.map((x) => x.version)).not.toContain(v);
      expect(r.removed).toHaveLength(1);
      expect(log.lines).toContain(
        "warning: gc: not in a git repository, so only the working tree's lineage/pins.json protects versions",
      );
    } finally {
      await bare.remove();
    }
  });
});
