import { readFile, rm, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { getDataset } from "../../loaders/datasets/index.ts";
import { readPins, writePins } from "../../loaders/lineage/pins.ts";
import { checkHistory } from "../../loaders/quality/history.ts";
import { driftPanel } from "../../loaders/quality/drift-panel.ts";
import { checkVersions, gateVerdict, recordedFailures } from "../../loaders/quality/index.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { eventsSql, publishVersion } from "./_store.ts";
import { createProject, type TestProject } from "../util/project.ts";

const T = Date.UTC(2025, 7, 1);
const DRIFT = "row_count_change";

/** Three versions of behavioral_events: A 1,000 events, B 1,300 (+30 %), C 1,350 (+3.8 % on B, +35 % on A). */
describe("drift between stored versions", () => {
  let project: TestProject;
  const v: Record<"a" | "b" | "c", string> = { a: "", b: "", c: "" };
  beforeAll(async () => {
    project = await createProject();
    v.a = await publishVersion(project.config, "behavioral_events", eventsSql(1000), T);
    v.b = await publishVersion(project.config, "behavioral_events", eventsSql(1300), T + 60_000);
    v.c = await publishVersion(project.config, "behavioral_events", eventsSql(1350), T + 120_000);
    await writePins(project.config.lineageDir, { exp: { behavioral_events: v.a }, late: { behavioral_events: v.b } });
  });
  afterAll(async () => {
    await project?.remove();
  });

  const drift = async (against?: string) => {
    const { reports } = await checkVersions(project.config, { refs: ["behavioral_events"], against, clock: () => T });
    return reports[0]!.results.find((r) => r.check === DRIFT)!;
  };

  it("compare with the previous version by default, at ingest as in labbook check", async () => {
    expect(await drift()).toMatchObject({ status: "pass", against: v.b });
    expect(await recordedFailures(project.config, [{ dataset: "behavioral_events", version: v.b }])).toEqual([
      { dataset: "behavioral_events", version: v.b, check: DRIFT, failing: 1 },
    ]);
  });

  it("compare with a pin set's version, or a named version, with --against", async () => {
    expect(await drift("exp")).toMatchObject({
      status: "fail",
      against: v.a,
      sample: [{ rows: 1350, previousRows: 1000, changePercent: 35 }],
    });
    expect(await drift(shortVersion(v.a))).toMatchObject({ status: "fail", against: v.a });
    expect(await drift("previous")).toMatchObject({ status: "pass", against: v.b });
    await expect(drift("nonexistent-set")).rejects.toThrow(
      "--against nonexistent-set: neither a pin set nor a version of behavioral_events",
    );
  });

  it("store the same outcome as the same quality_results bytes, whenever it runs", async () => {
    const first = await checkVersions(project.config, { refs: ["behavioral_events"], clock: () => T });
    const bytes = await readFile(objectPath(project.config.dataDir, first.results.version));
    const again = await checkVersions(project.config, { refs: ["behavioral_events"], clock: () => T + 86_400_000 });
    expect(again.results).toEqual({ ...first.results, stored: false });
    expect(await readFile(objectPath(project.config.dataDir, again.results.version))).toEqual(bytes);
    // A different outcome is a different version.
    const other = await checkVersions(project.config, { refs: ["behavioral_events"], against: "exp", clock: () => T });
    expect(other.results.version).not.toBe(first.results.version);
  });

  it("gate a pin set on its versions' error checks, and fall back to the recorded drift without the older object", async () => {
    expect((await gateVerdict(project.config, "exp")).failures).toEqual([]);
    const late = { dataset: "behavioral_events", version: v.b, check: DRIFT, failing: 1 };
    expect((await gateVerdict(project.config, "late")).failures).toEqual([late]);
    // A CI build pulls only pinned objects: B's comparison with A then comes from B's lineage record.
    const a = objectPath(project.config.dataDir, v.a);
    const saved = await readFile(a);
    await rm(a);
    try {
      const verdict = await gateVerdict(project.config, "late");
      expect(verdict.failures).toEqual([late]);
      expect(verdict.reports[0]!.results.find((r) => r.check === DRIFT)!.detail).toMatch(
        /\(recorded when the version was made\)$/,
      );
    } finally {
      await writeFile(a, saved);
    }
  });

  it("check --pins and the gate refuse a pinned object the store lacks, as every reader of pinned data does", async () => {
    const b = objectPath(project.config.dataDir, v.b);
    const saved = await readFile(b);
    await rm(b);
    try {
      const missing = {
        code: "E_NOT_FOUND",
        message: `pinned objects are missing from the local store: behavioral_events@${shortVersion(v.b)}`,
        details: ["Run `labbook pull` with LABBOOK_REMOTE set to fetch them."],
      };
      await expect(checkVersions(project.config, { pins: "late", clock: () => T })).rejects.toMatchObject(missing);
      await expect(gateVerdict(project.config, "late")).rejects.toMatchObject(missing);
    } finally {
      await writeFile(b, saved);
    }
  });

  it("pin warns on a failing version, and --strict refuses it without touching pins.json", async () => {
    const before = await readPins(project.config.lineageDir);
    const strict = await runCli(["pin", "s", `behavioral_events@${shortVersion(v.b)}`, "--strict"], project.env);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(
      `refusing to pin failing versions: behavioral_events@${shortVersion(v.b)} ${DRIFT} (1 failing)`,
    );
    expect(await readPins(project.config.lineageDir)).toEqual(before);
    const lenient = await runCli(["pin", "s", `behavioral_events@${shortVersion(v.b)}`], project.env);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stderr).toContain(`behavioral_events@${shortVersion(v.b)} ${DRIFT} (1 failing): "labbook build"`);
    expect((await readPins(project.config.lineageDir)).s).toEqual({ behavioral_events: v.b });
    const clean = await runCli(["pin", "t", `behavioral_events@${shortVersion(v.c)}`, "--strict"], project.env);
    expect(clean.code, clean.stderr).toBe(0);
  });

  it("give the drift panel its data: the checks, and the series to chart", async () => {
    const panel = await withDuckDB((con) =>
      driftPanel(con, project.config, getDataset("behavioral_events"), v.c, { clock: () => T }),
    );
    expect(panel).toMatchObject({ against: v.b, rows: { current: 1350, previous: 1300 } });
    expect(panel.checks.map((c) => c.check)).toContain(DRIFT);
    const [scores] = panel.distributions;
    expect(scores!.column).toBe("sessionPerformanceScore");
    expect(scores!.bins).toHaveLength(20);
    expect(scores!.bins.reduce((a, b) => a + b.current, 0)).toBeCloseTo(1, 9);
    expect(panel.categories[0]!.values.map((x) => x.value)).toEqual(["MISSION_STARTED", "CARD_REVIEWED"]);
    const first = await withDuckDB((con) => driftPanel(con, project.config, getDataset("behavioral_events"), v.a));
    expect(first).toMatchObject({ against: null, note: "first version: nothing to compare", checks: [] });
  });

  it("give every check's history across versions, from the lineage records", async () => {
    const history = await checkHistory(project.config.lineageDir, "behavioral_events");
    expect(history.versions.map((x) => x.version)).toEqual([v.c, v.b, v.a]);
    expect(history.checks.find((c) => c.check === DRIFT)!.statuses).toEqual(["pass", "fail", "pass"]);
  });
});
