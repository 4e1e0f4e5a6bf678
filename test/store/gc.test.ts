import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pin, unpin } from "../../loaders/lineage/pin.ts";
import { collectGarbage } from "../../loaders/store/gc.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { readTombstones } from "../../loaders/store/tombstones.ts";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

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
});
