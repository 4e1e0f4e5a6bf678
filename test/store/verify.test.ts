import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordPath } from "../../loaders/lineage/catalog.ts";
import { pin } from "../../loaders/lineage/pin.ts";
import { collectGarbage } from "../../loaders/store/gc.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { verifyStore } from "../../loaders/store/verify.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { createProject, flipByte, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

const DS = "experiment_protocols";
const T0 = Date.parse("2025-07-01T00:00:00Z");

describe("verify", () => {
  let p: TestProject;
  let v1: string;
  let v2: string;
  beforeEach(async () => {
    p = await createProject();
    v1 = await makeVersion(p.config, DS, protocolsSql(50), T0);
    v2 = await makeVersion(p.config, DS, protocolsSql(60), T0 + 1000);
  });
  afterEach(() => p.remove());

  it("passes on an intact store and reports its speed", async () => {
    const r = await runCli(["verify", "--json"], p.env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, checked: 2, problems: [], absent: [] });
    expect(out.bytes).toBeGreaterThan(0);
    expect(typeof out.mbPerSecond).toBe("number");
    const human = await runCli(["verify"], p.env);
    expect(human.stderr).toMatch(/verified 2 objects, [\d.]+ (B|kB|MB) at [\d.]+ MB\/s/);
  });

  it("names an object with one flipped byte and exits 1", async () => {
    await flipByte(objectPath(p.config.dataDir, v1));
    const r = await runCli(["verify"], p.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`corrupt: ${DS}@${shortVersion(v1)}: the bytes hash to`);
    expect(r.stdout).not.toContain(shortVersion(v2));
    const json = JSON.parse((await runCli(["verify", "--json"], p.env)).stdout);
    expect(json.problems).toEqual([expect.objectContaining({ kind: "corrupt", dataset: DS, version: v1 })]);
    // Only the named version is checked when one is given.
    expect((await runCli(["verify", `${DS}@${shortVersion(v2)}`], p.env)).code).toBe(0);
  });

  it("reports a record that disagrees with its object's size and row count", async () => {
    const file = recordPath(p.config.lineageDir, DS, v2);
    const record = JSON.parse(await readFile(file, "utf8"));
    record.outputs[0].outputFacets.outputStatistics.rowCount = 61;
    await writeFile(file, JSON.stringify(record));
    const r = await verifyStore(p.config);
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: "mismatch",
        version: v2,
        detail: `${DS}@${shortVersion(v2)}: 60 rows but the record says 61`,
      }),
    ]);
  });

  it("reports an unreadable lineage record as one problem and verifies the rest; versions lists the rest", async () => {
    const bad = recordPath(p.config.lineageDir, DS, v1);
    for (const text of ["{not json", "{}"]) {
      await writeFile(bad, text);
      const r = await runCli(["verify", "--json"], p.env);
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout);
      // The other version is still checked, and v1's object is not called an orphan.
      expect(out).toMatchObject({ ok: false, checked: 1 });
      expect(out.problems).toEqual([
        {
          kind: "unreadable",
          dataset: DS,
          version: v1,
          path: bad,
          detail: expect.stringMatching(new RegExp(`^unreadable lineage record ${DS}/${v1.slice(7)}\\.json `)),
        },
      ]);
      const listed = await runCli(["versions", DS], p.env);
      expect(listed.code).toBe(1);
      expect(listed.stdout).toContain(shortVersion(v2));
      expect(listed.stdout).not.toContain(shortVersion(v1));
      expect(listed.stderr).toContain(`unreadable lineage record ${DS}/${v1.slice(7)}.json`);
    }
    // gc acts on records, so it still refuses rather than guess.
    const gc = await runCli(["gc", "--dry-run"], p.env);
    expect(gc.code).toBe(1);
    expect(gc.stderr).toContain(`unreadable lineage record ${DS}/${v1.slice(7)}.json`);
  });

  it("refuses to verify a lineage directory that does not exist, rather than verify nothing", async () => {
    const r = await runCli(["verify"], { ...p.env, LABBOOK_LINEAGE_DIR: path.join(p.root, "no-such-lineage") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nothing to verify: the lineage directory");
    expect(r.stderr).toContain("no-such-lineage does not exist");
  });

  it("reports an object with no lineage record as orphaned", async () => {
    await rm(recordPath(p.config.lineageDir, DS, v1));
    const r = await verifyStore(p.config);
    expect(r.problems).toEqual([expect.objectContaining({ kind: "orphaned", version: v1 })]);
    await copyFile(
      objectPath(p.config.dataDir, v2),
      path.join(path.dirname(objectPath(p.config.dataDir, v2)), "x.tmp"),
    );
    expect((await verifyStore(p.config)).problems.map((x) => x.kind)).toEqual(["orphaned", "orphaned"]);
  });

  it("treats a gc'd version as absent, but a pinned or named version without its object as missing", async () => {
    await collectGarbage(p.config, { keepLast: 1 });
    let r = await verifyStore(p.config);
    expect(r.problems).toEqual([]);
    expect(r.absent).toEqual([{ dataset: DS, version: v1, reason: "gc" }]);

    r = await verifyStore(p.config, { dataset: DS, version: shortVersion(v1) });
    expect(r.problems).toEqual([expect.objectContaining({ kind: "missing", version: v1 })]);

    await pin(p.config, "default", [{ dataset: DS, version: v2 }]);
    await rm(objectPath(p.config.dataDir, v2));
    const cli = await runCli(["verify"], p.env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`missing: ${DS}@${shortVersion(v2)} is pinned but its object is not in the store`);
  });
});
