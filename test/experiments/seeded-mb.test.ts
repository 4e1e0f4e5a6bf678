import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHANGE_FEATURES,
  isComputed,
  visualAnalysis,
  type MultipleBaselineAnalysis,
  type NotComputed,
} from "../../loaders/analysis/index.ts";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { ANALYSIS_READS, analyzeProtocols, type ProtocolResult } from "../../loaders/experiments/analyze.ts";
import { MB_DESIGNS, planStudy, SEED_COMMAND_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { siteContext } from "../../loaders/site/context.ts";
import { experimentsData, type ProtocolPage } from "../../loaders/site/experiments.ts";
import { runCli } from "../util/cli.ts";
import { withDerived } from "../util/derive.ts";
import { pinsOf, seededProject, type SeededProject } from "../util/seeded.ts";
import { loadSeeded } from "./_seeded.ts";

// `labbook seed`'s options, smaller: enough users without an ABAB protocol for the seven MB participants.
const OPTIONS: SeedOptions = { ...SEED_COMMAND_OPTIONS, users: 24, days: 60, events: 24 * 60 * 8, seed: 5 };

const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function computed<T extends object>(part: T): Exclude<T, NotComputed> {
  if (!isComputed(part)) throw new Error(`expected a computed result, got "${(part as NotComputed).notComputed}"`);
  return part;
}

/** The pooled estimate's CI of one index (DerSimonian–Laird), and the design-comparable SMD's. */
const pooledCi = (a: MultipleBaselineAnalysis, name: string) =>
  computed(a.pooled.find((p) => p.name === name)!).random!.ci;

describe("the multiple-baseline protocols `labbook seed` plants", () => {
  const plan = planStudy(OPTIONS);
  const mbUsers = plan.filter((u) => u.protocol?.design === "MULTIPLE_BASELINE");
  let results: ProtocolResult[];

  beforeAll(async () => {
    results = await withDuckDB(async (con) => {
      await loadSeeded(con, OPTIONS, (u) => u.protocol!.design === "MULTIPLE_BASELINE");
      return analyzeProtocols(con);
    });
  });

  it("are two protocols over four and three participants, each starting the intervention on another day", () => {
    // analyze lists protocols in start order (readProtocols); compared here by name.
    expect(results.map((r) => [r.name, r.designType, r.multipleBaseline?.participants.length]).sort()).toEqual(
      MB_DESIGNS.map((d) => [d.name, "MULTIPLE_BASELINE", d.participants]).sort(),
    );
    // Without the option, nothing of the kind is planted and the ABAB plan is the same.
    const plain = planStudy({ ...OPTIONS, multipleBaseline: false });
    expect(plain.some((u) => u.protocol?.design === "MULTIPLE_BASELINE")).toBe(false);
    expect(plain.filter((u) => u.protocol).map((u) => u.protocol!.id)).toEqual(
      plan.filter((u) => u.protocol && !u.protocol.design).map((u) => u.protocol!.id),
    );
    for (const r of results) {
      const mb = r.multipleBaseline!;
      const starts = mb.participants.map((p) => p.phases.find((ph) => ph.type !== "BASELINE")!.start);
      // Stacked in the order the interventions start, every start another day.
      expect(starts).toEqual([...starts].sort());
      expect(new Set(starts).size).toBe(starts.length);
      expect(mb.analysis.design.meetsStandard).toBe(true);
      expect(new Set(mb.participants.map((p) => p.participant))).toEqual(
        new Set(mbUsers.filter((u) => u.protocol!.id === r.id).map((u) => u.id)),
      );
      // Every participant's days are on the protocol's axis: all start at day 0.
      for (const p of mb.participants) expect(p.series[0]!.day).toBe(0);
      expect(r.series).toHaveLength(mb.participants.reduce((n, p) => n + p.series.length, 0));
      expect(r.mismatches).toEqual([]);
    }
  });

  it("recovers the real effect: the pooled CIs and the design-comparable SMD's exclude 0", () => {
    const real = results.find((r) => r.name === MB_DESIGNS[0].name)!.multipleBaseline!.analysis;
    expect(MB_DESIGNS[0].effect).toBeGreaterThan(0);
    expect(pooledCi(real, "SMD")[0]).toBeGreaterThan(0);
    expect(pooledCi(real, "LRR")[0]).toBeGreaterThan(0);
    expect(computed(real.bcSmd).ci[0]).toBeGreaterThan(0);
  });

  it("does not find the null one: its pooled CIs and the design-comparable SMD's include 0", () => {
    // Over 100 such null protocols the pooled CIs exclude 0 for at most 5% (test/experiments/multiple-baseline.test.ts).
    const none = results.find((r) => r.name === MB_DESIGNS[1].name)!.multipleBaseline!.analysis;
    expect(MB_DESIGNS[1].effect).toBe(0);
    for (const ci of [pooledCi(none, "SMD"), pooledCi(none, "LRR"), computed(none.bcSmd).ci]) {
      expect(ci[0]).toBeLessThan(0);
      expect(ci[1]).toBeGreaterThan(0);
    }
  });
});

describe("a multiple-baseline protocol in `labbook analyze --json` and on its page", () => {
  let project: SeededProject;

  beforeAll(async () => {
    project = await seededProject(OPTIONS);
    await project.pin({
      default: await withDerived(project.config, pinsOf("default", await project.ingest()).default!),
    });
  });
  afterAll(() => project?.remove());

  it("gives per-participant effects, pooled effects and the BC-SMD, the same numbers on the page", async () => {
    const cli = await runCli(["analyze", "--all", "--json"], project.env);
    expect(cli.code, cli.stderr).toBe(0);
    const mbs = (JSON.parse(cli.stdout).protocols as ProtocolResult[]).filter((r) => r.multipleBaseline);
    expect(mbs.map((r) => r.name).sort()).toEqual(MB_DESIGNS.map((d) => d.name).sort());
    const ctx = await siteContext(
      { reads: ANALYSIS_READS },
      { ...process.env, ...project.env, LABBOOK_PSEUDONYM_KEY: "k".repeat(32) },
    );
    const files = asJson(await experimentsData(ctx));
    for (const r of mbs) {
      const a = r.multipleBaseline!.analysis;
      expect(a.participants.map((p) => p.effects.map((e) => e.name))).toEqual(
        a.participants.map(() => ["NAP", "Tau", "Tau-BC", "Tau-U", "PND", "PEM", "PAND", "IRD", "SMD", "LRR"]),
      );
      expect(isComputed(a.bcSmd)).toBe(true);
      const page = files[`${r.id}.json`] as ProtocolPage;
      const shown = page.multipleBaseline!;
      // The page shows pseudonyms where the local output shows user ids; every number is the same.
      const ids = shown.participants.map((p) => p.participant);
      expect(ids.every((id) => id.startsWith("u-"))).toBe(true);
      const strip = <T extends { participant: string }>(list: T[]) => list.map(({ participant: _, ...rest }) => rest);
      expect(strip(shown.participants)).toEqual(strip(r.multipleBaseline!.participants));
      expect(strip(shown.analysis.participants)).toEqual(strip(a.participants));
      expect(shown.analysis.bcSmd).toEqual(a.bcSmd);
      const pooled = (list: typeof a.pooled) =>
        list.map((p) => (isComputed(p) ? { ...p, included: p.included.length, missing: p.missing.length } : p));
      expect(pooled(shown.analysis.pooled)).toEqual(pooled(a.pooled));
      expect(shown.analysis.design).toEqual(a.design);
      expect(page.analysis.effects).toEqual(r.analysis.effects);
      // The visual-analysis aids are each participant's, at their one phase change, on the page as in the JSON; the
      // protocol as a whole says so instead of leaving them out.
      expect(r.analysis.visual).toEqual({ notComputed: expect.stringMatching(/^computed per participant: /) });
      expect(page.analysis.visual).toEqual(r.analysis.visual);
      for (const p of r.multipleBaseline!.participants) {
        const visual = computed(a.participants.find((x) => x.participant === p.participant)!.visual);
        expect(visual.changes.map((c) => `${c.from}→${c.to}`)).toEqual(["baseline_1→intervention_A_1"]);
        for (const f of CHANGE_FEATURES) expect(visual.changes[0]![f].text, p.participant).toMatch(/^[A-Z]\w+: /);
        expect(visual).toEqual(asJson(visualAnalysis(p.series.map(({ events: _, ...s }) => s))));
      }
    }
    const real = mbs.find((r) => r.name === MB_DESIGNS[0].name)!;
    const table = await runCli(["analyze", real.name], project.env);
    expect(table.code, table.stderr).toBe(0);
    const g = computed(real.multipleBaseline!.analysis.bcSmd);
    expect(table.stdout).toContain(
      `  design-comparable SMD (HPS): g ${g.estimate.toFixed(3)} [${g.ci[0].toFixed(3)}, `,
    );
    for (const p of real.multipleBaseline!.participants) expect(table.stdout).toContain(`  ${p.participant} `);
    for (const p of real.multipleBaseline!.analysis.participants) {
      const visual = computed(p.visual);
      expect(table.stdout).toContain(
        `  visual analysis of ${p.participant}:\n    baseline_1 → intervention_A_1\n      ${visual.changes[0]!.level.text}\n`,
      );
      expect(table.stdout).toContain(`    ${visual.consistency.text}\n`);
    }
    expect(table.stdout).not.toContain("visual analysis not computed");
  });
});
