import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  abOf,
  CHANGE_FEATURES,
  isComputed,
  lrr,
  nap,
  piecewiseRegression,
  pnd,
  randomizationTest,
  smd,
  tau,
  tauU,
  visualAnalysis,
  type EffectRow,
  type EffectSize,
  type NotComputed,
} from "../../loaders/analysis/index.ts";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { ANALYSIS_READS, analyzeProtocols, type ProtocolResult } from "../../loaders/experiments/analyze.ts";
import { readPins } from "../../loaders/lineage/pins.ts";
import { DEFAULT_SEED_OPTIONS, planStudy } from "../../loaders/seed/plan.ts";
import { siteContext } from "../../loaders/site/context.ts";
import {
  experimentsData,
  type ProtocolEffects,
  type ProtocolIndexRow,
  type ProtocolPage,
} from "../../loaders/site/experiments.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { attachPinned } from "../../loaders/store/pinned.ts";
import { runCli } from "../util/cli.ts";
import { withDerived } from "../util/derive.ts";
import { seededProject, pinsOf, SMALL_SEED, type SeededProject } from "../util/seeded.ts";
import { loadSeeded } from "./_seeded.ts";

// Enough participants and days that each planted effect (0, 6, 10 and 15 points) occurs twice.
const OPTIONS = { ...SMALL_SEED, users: 16, days: 60, events: 24_000, protocolShare: 0.5, seed: 2 };

/** What a reader of JSON gets: Infinity and NaN become null, undefined fields disappear. */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A part of the analysis that the test expects to be there: its result, or a failure naming the reason. */
function computed<T extends object>(part: T): Exclude<T, NotComputed> {
  if (!isComputed(part))
    throw new Error(`expected a computed result, got "not computed: ${(part as NotComputed).notComputed}"`);
  return part;
}

describe("analyzeProtocols on seeded data with known effects", () => {
  let project: SeededProject;
  let results: ProtocolResult[];
  const effects = new Map(planStudy(OPTIONS).flatMap((u) => (u.protocol ? [[u.protocol.id, u.protocol.effect]] : [])));

  beforeAll(async () => {
    project = await seededProject();
    await seedDatabase(project.db.sql, OPTIONS, "pascal");
    await project.pin({
      default: await withDerived(project.config, pinsOf("default", await project.ingest()).default!),
    });
    results = await withDuckDB(async (con) => {
      await attachPinned(con, project.config, { set: "default" });
      return analyzeProtocols(con);
    });
  });
  afterAll(() => project?.remove());

  it("analyses every planned protocol, every part of it", () => {
    expect(results.map((r) => r.id).sort()).toEqual([...effects.keys()].sort());
    const missing = results.flatMap((r) =>
      [...r.analysis.effects, r.analysis.randomization, r.analysis.piecewise].flatMap((part) =>
        isComputed(part) ? [] : [`${r.name}: ${part.notComputed}`],
      ),
    );
    expect(missing).toEqual([]);
  });

  it("recovers every planted positive effect: NAP above 0.5 and a positive first level change", () => {
    // Every protocol with an effect > 0 is checked, the 6-point ones included. The level change is the piecewise
    // model's first level change ("level intervention_A_1"), the step at the first intervention onset. With phases of 5-10 days, a weekly cycle of
    // ±4 points and the slope terms, its SE is 2.3-3.8 points, so a 6-point step is only 1.6-2.6 SE: over seeds
    // 100-159 of these options it came out positive for 111 of 129 effect-6 protocols, 114 of 116 effect-10 and
    // 97 of 97 effect-15 ones, while NAP exceeded 0.5 for all 342. This seed's effect-6 protocols give
    // first level change = 9.6 and 7.3. The second, after three short phases, is noisier still (-5.9 and -0.2 here).
    const positive = results.filter((r) => effects.get(r.id)! > 0);
    expect(new Set(positive.map((r) => effects.get(r.id)))).toEqual(new Set([6, 10, 15]));
    for (const r of positive) {
      const nap = computed(r.analysis.effects.find((e) => e.name === "NAP")!);
      const level = computed(r.analysis.piecewise).terms.find((t) => t.name.startsWith("level "))!;
      const firstB = r.series.find((p) => p.phaseType !== "BASELINE")!.phaseLabel;
      expect(level.name).toBe(`level ${firstB}`);
      expect(nap.estimate, `${r.name}, effect ${effects.get(r.id)}`).toBeGreaterThan(0.5);
      expect(level.estimate, `${r.name}, effect ${effects.get(r.id)}`).toBeGreaterThan(0);
    }
  });

  it("labels every day with an assigned phase, keeps missing days missing and summarises each planned phase", () => {
    const labels = ["baseline_1", "intervention_A_1", "baseline_2", "intervention_A_2"];
    for (const r of results) {
      expect(new Set(r.series.map((p) => p.phaseLabel))).toEqual(new Set(labels));
      const days = r.series.map((p) => p.day);
      expect(days).toEqual([...days].sort((a, b) => a - b));
      expect(r.series.every((p) => Number.isFinite(p.value) && p.value > 0 && p.events > 0)).toBe(true);
      expect(r.mismatches).toEqual([]);
      expect(r.phases.map((p) => p.label)).toEqual(labels);
      expect(r.summary.map((s) => [s.label, s.n])).toEqual(
        labels.map((l) => [l, r.series.filter((p) => p.phaseLabel === l).length]),
      );
    }
  });

  it("gives `labbook analyze --json` and the experiment pages the same numbers for the same pins", async () => {
    const cli = await runCli(["analyze", "--all", "--pins", "default", "--json"], project.env);
    expect(cli.code, cli.stderr).toBe(0);
    const fromCli = new Map((JSON.parse(cli.stdout).protocols as ProtocolResult[]).map((r) => [r.id, r]));
    expect([...fromCli.keys()].sort()).toEqual([...effects.keys()].sort());
    const ctx = await siteContext(
      { reads: ANALYSIS_READS },
      {
        ...process.env,
        ...project.env,
        LABBOOK_PSEUDONYM_KEY: "k".repeat(32),
      },
    );
    // The pages read their data as JSON, so compare what they would read.
    const files = asJson(await experimentsData(ctx));
    const index = files["index.json"] as ProtocolIndexRow[];
    const forest = files["effects.json"] as ProtocolEffects[];
    for (const lib of results) {
      const c = fromCli.get(lib.id)!;
      expect(c, lib.name).toEqual(asJson(lib));
      const page = files[`${lib.id}.json`] as ProtocolPage;
      // What the page draws and tabulates: phase bands, the series, the per-phase summary.
      expect(page.phases).toEqual(c.phases);
      expect(page.series).toEqual(c.series);
      expect(page.summary).toEqual(c.summary);
      expect(c.summary).toHaveLength(4);
      // Every effect size with its estimate, SE and CI, on the protocol page and in the forest plot.
      const a = c.analysis;
      expect(a.effects.map((e) => e.name)).toEqual(["NAP", "Tau", "Tau-U", "PND", "SMD", "LRRi"]);
      expect(page.analysis.effects).toEqual(a.effects);
      const { distribution, ...test } = computed(a.randomization);
      expect(forest.find((f) => f.id === lib.id)).toEqual({
        id: lib.id,
        name: lib.name,
        effects: a.effects,
        p: test.p,
      });
      // The randomization test: observed statistic, p, design, statistic, number of assignments; the distribution
      // is drawn as a histogram of the same values.
      const { histogram, ...pageTest } = computed(page.analysis.randomization);
      expect(pageTest).toEqual(test);
      expect(histogram.reduce((n, b) => n + b.count, 0)).toBe(distribution.length);
      // The piecewise terms (estimate, SE, t, p), R², F and the fitted lines; the interpretation sentence.
      expect(page.analysis.piecewise).toEqual(a.piecewise);
      // Each change is named after the study's phase it starts, as the data name it.
      const firstB = c.series.find((p) => p.phaseType !== "BASELINE")!.phaseLabel;
      expect(computed(a.piecewise).terms.map((t) => t.name)).toContain(`level ${firstB}`);
      expect(page.analysis.interpretation).toBe(a.interpretation);
      // The visual-analysis aids: every feature at each of the three phase changes, and consistency, with a
      // sentence each, as the library computes them from the same series.
      const visual = computed(a.visual);
      expect(visual.changes.map((ch) => `${ch.from}→${ch.to}`)).toEqual([
        "baseline_1→intervention_A_1",
        "intervention_A_1→baseline_2",
        "baseline_2→intervention_A_2",
      ]);
      for (const ch of visual.changes)
        for (const f of CHANGE_FEATURES) {
          expect(ch[f].value, `${lib.name} ${ch.from}→${ch.to} ${f}`).toBeTypeOf("object");
          expect(ch[f].text.startsWith(`${f[0]!.toUpperCase()}${f.slice(1)}: `), ch[f].text).toBe(true);
        }
      expect(visual.consistency.text).toMatch(/^Consistency: baseline means \d/);
      expect(visual).toEqual(asJson(visualAnalysis(lib.series.map(({ events: _, ...p }) => p))));
      expect(page.analysis.visual).toEqual(a.visual);
      // The All protocols table: each protocol's main effect (NAP) and randomization p, as on its page.
      expect(index.find((p) => p.id === lib.id)).toMatchObject({
        observedDays: c.series.length,
        mismatchDays: 0,
        nap: computed(a.effects[0]!).estimate,
        napNotComputed: null,
        p: test.p,
        pNotComputed: null,
      });
    }
    // The pages show participants by pseudonym only: no seeded user id anywhere in their data.
    const userIds = planStudy(OPTIONS).map((u) => u.id);
    expect(userIds.filter((id) => JSON.stringify(files).includes(id))).toEqual([]);
  });

  it("prints one protocol's phase table, effect sizes and tests by name", async () => {
    const r = results[0]!;
    const cli = await runCli(["analyze", r.name], project.env);
    expect(cli.code, cli.stderr).toBe(0);
    const lines = cli.stdout.split("\n");
    expect(lines[0]).toBe(
      `${r.name} (${r.id}), ABAB, outcome sessionPerformanceScore: ${r.series.length} observed days`,
    );
    for (const s of r.summary) {
      expect(
        lines.some(
          (l) => l.trim().startsWith(`${s.label} `) && l.includes(` ${s.n} `) && l.includes(s.mean!.toFixed(2)),
        ),
        s.label,
      ).toBe(true);
    }
    const nap = computed(r.analysis.effects[0]!);
    expect(cli.stdout).toContain(`[${nap.ci![0].toFixed(3)}, ${nap.ci![1].toFixed(3)}]`);
    expect(cli.stdout).toContain(`p = ${computed(r.analysis.randomization).p.toFixed(4)}`);
    // The visual-analysis aids, a sentence per feature under each phase change.
    const visual = computed(r.analysis.visual);
    expect(cli.stdout).toContain("  visual analysis:\n");
    for (const ch of visual.changes) {
      const at = lines.indexOf(`    ${ch.from} → ${ch.to}`);
      expect(at, `${ch.from} → ${ch.to}`).toBeGreaterThan(0);
      expect(lines.slice(at + 1, at + 6)).toEqual(CHANGE_FEATURES.map((f) => `      ${ch[f].text}`));
    }
    expect(lines).toContain(`    ${visual.consistency.text}`);
  });

  it("names the known protocols when asked for an unknown one", async () => {
    const cli = await runCli(["analyze", "no-such-protocol"], project.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("unknown protocol: no-such-protocol");
  });

  it("exits 2 without a protocol or --all", async () => {
    expect((await runCli(["analyze"], project.env)).code).toBe(2);
  });

  it("names the dataset a pin set lacks, as the build does, instead of failing in DuckDB", async () => {
    const pins = await readPins(project.config.lineageDir);
    const { phase_observations: _, ...rest } = pins.default!;
    await project.pin({ ...pins, exp: rest });
    const cli = await runCli(["analyze", "--all", "--pins", "exp"], project.env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe("");
    expect(cli.stderr).toBe(
      'error: labbook analyze reads phase_observations, which pin set "exp" does not pin\n' +
        `  Pinned in "exp": ${Object.keys(rest).sort().join(", ")}.\n` +
        '  Pin it with "labbook pin exp phase_observations".\n',
    );
  });
});

describe("a protocol with a phase of 3 observed days", () => {
  // Seeded protocols have phases of 5-10 days; one is cut to 3 observed days below.
  const SHORT = { ...SMALL_SEED, users: 6, days: 45, events: 6000, protocolShare: 1, seed: 3 };
  const REASON =
    "phase intervention_A_1 has 3 observed days; the start-point randomization test needs at least 5 per phase";
  const plan = planStudy(SHORT);
  const target = plan[0]!;
  const protocolId = target.protocol!.id;
  let project: SeededProject;
  let results: ProtocolResult[];

  beforeAll(async () => {
    project = await seededProject();
    await seedDatabase(project.db.sql, SHORT, "pascal");
    const sql = project.db.sql;
    // Keep the first 3 days of intervention_A_1 on which the participant has a score; drop every event after them.
    await sql`
      WITH phase AS (
        SELECT "startDate" AS s, "endDate" AS e FROM "PhaseAssignment"
        WHERE "protocolId" = ${protocolId} AND "phaseLabel" = 'intervention_A_1'
      ), kept AS (
        SELECT DISTINCT (ev."timestamp" AT TIME ZONE 'UTC')::date AS day FROM "BehavioralEvent" ev, phase
        WHERE ev."userId" = ${target.id} AND ev."sessionPerformanceScore" IS NOT NULL
          AND ev."timestamp" >= phase.s AND ev."timestamp" < phase.e
        ORDER BY day LIMIT 3
      )
      DELETE FROM "BehavioralEvent" ev USING phase
      WHERE ev."userId" = ${target.id} AND ev."timestamp" >= phase.s AND ev."timestamp" < phase.e
        AND (ev."timestamp" AT TIME ZONE 'UTC')::date > (SELECT max(day) FROM kept)`;
    // One event on a baseline day claims the intervention phase: a mismatch row, which carries the raw user id.
    await sql`
      UPDATE "BehavioralEvent" SET "experimentPhase" = 'intervention_A_1'
      WHERE id = (
        SELECT ev.id FROM "BehavioralEvent" ev JOIN "PhaseAssignment" ph
          ON ph."protocolId" = ${protocolId} AND ph."phaseLabel" = 'baseline_1'
          AND ev."timestamp" >= ph."startDate" AND ev."timestamp" < ph."endDate"
        WHERE ev."userId" = ${target.id} ORDER BY ev."timestamp", ev.id LIMIT 1
      )`;
    await project.pin({
      default: await withDerived(project.config, pinsOf("default", await project.ingest()).default!),
    });
    results = await withDuckDB(async (con) => {
      await attachPinned(con, project.config, { set: "default" });
      return analyzeProtocols(con);
    });
  });
  afterAll(() => project?.remove());

  const short = () => results.find((r) => r.id === protocolId)!;

  it("still gives the effect sizes and the piecewise fit, as the library computes them, and says why there is no randomization test", () => {
    const r = short();
    const days = (label: string) => r.series.filter((p) => p.phaseLabel === label).length;
    expect(days("intervention_A_1")).toBe(3);
    // The other phases are long enough, so the reason names intervention_A_1 alone.
    for (const label of ["baseline_1", "baseline_2", "intervention_A_2"])
      expect(days(label), label).toBeGreaterThanOrEqual(5);
    expect(r.analysis.randomization).toEqual({ notComputed: REASON });

    const values = r.series.map((p) => p.value);
    const ab = r.series.map((p) => (p.phaseType === "BASELINE" ? "A" : "B"));
    const a = values.filter((_, i) => ab[i] === "A");
    const b = values.filter((_, i) => ab[i] === "B");
    const row = (name: string, e: EffectSize): EffectRow => ({ name, estimate: e.estimate, se: e.se, ci: e.ci });
    expect(r.analysis.effects).toEqual([
      row("NAP", nap(a, b)),
      row("Tau", tau(a, b)),
      row("Tau-U", tauU(a, b)),
      row("PND", pnd(a, b)),
      row("SMD", smd(a, b, { stdDev: "baseline", biasCorrect: true })),
      row("LRRi", lrr(a, b)),
    ]);
    const piecewise = piecewiseRegression(values, ab, { time: r.series.map((p) => p.day) });
    expect(piecewise.terms).toHaveLength(8);
    // The same numbers; the terms carry the study's phase names instead of the model's A/B runs.
    const { terms, ...fit } = computed(r.analysis.piecewise);
    const { terms: _t, ...expected } = piecewise;
    expect(fit).toEqual(expected);
    expect(terms.map(({ name: _n, ...t }) => t)).toEqual(piecewise.terms.map(({ name: _n, ...t }) => t));
    expect(terms.map((t) => t.name).slice(2, 5)).toEqual(
      [...new Set(r.series.map((p) => p.phaseLabel))].slice(1).map((l) => `level ${l}`),
    );
    expect(r.analysis.interpretation).toMatch(/The randomization test could not be run/);
    // The other protocols keep their randomization test.
    expect(results.filter((o) => o.id !== protocolId).every((o) => isComputed(o.analysis.randomization))).toBe(true);
  });

  it("shows the reason in `labbook analyze`, as a table and as JSON, next to the numbers that exist", async () => {
    const r = short();
    const json = await runCli(["analyze", protocolId, "--json"], project.env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).protocols).toEqual([asJson(r)]);
    const table = await runCli(["analyze", protocolId], project.env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`  randomization test not computed: ${REASON}\n`);
    const nap = computed(r.analysis.effects[0]!);
    expect(table.stdout).toContain(`[${nap.ci![0].toFixed(3)}, ${nap.ci![1].toFixed(3)}]`);
    const pw = computed(r.analysis.piecewise);
    expect(table.stdout).toContain(`F(${pw.f.df1}, ${pw.f.df2}) = ${pw.f.value.toFixed(2)}`);
    for (const term of pw.terms)
      expect(table.stdout).toMatch(
        new RegExp(`\\b${term.name.replace(/[()]/g, "\\$&")} +${term.estimate.toFixed(3)} `),
      );
  });

  it("puts the same parts on the experiment page and in the forest plot, and no raw user id in the page data", async () => {
    const r = asJson(short());
    const ctx = await siteContext(
      { reads: ANALYSIS_READS },
      {
        ...process.env,
        ...project.env,
        LABBOOK_PSEUDONYM_KEY: "k".repeat(32),
      },
    );
    const files = asJson(await experimentsData(ctx));
    const page = files[`${protocolId}.json`] as ProtocolPage;
    expect(page.analysis).toEqual({ ...r.analysis, randomization: { notComputed: REASON } });
    const forest = (files["effects.json"] as ProtocolEffects[]).find((f) => f.id === protocolId);
    expect(forest).toEqual({ id: protocolId, name: r.name, effects: r.analysis.effects, p: null });

    // `analyze --json` is local output and lists the mismatch with the participant's id; the page data must not.
    expect(r.mismatches).toHaveLength(1);
    expect(r.mismatches[0]!.userId).toBe(target.id);
    expect(page.mismatches).toEqual([
      {
        date: r.mismatches[0]!.date,
        assigned: "baseline_1",
        observed: ["intervention_A_1"],
        events: r.mismatches[0]!.events,
      },
    ]);
    const text = JSON.stringify(files);
    expect(plan.map((u) => u.id).filter((id) => text.includes(id))).toEqual([]);
  });
});

describe("the randomization test on the seed generator's null protocols", () => {
  it("rejects 'no effect' at α = 0.05 for 2-9% of 210 protocols without a planted effect", async () => {
    // The seed generator plants EFFECTS[n % 4] = 0, 6, 10 or 15 points on the intervention days of protocol n
    // (loaders/seed/plan.ts), so every fourth protocol is a null case. Its series keep the generator's own
    // structure: the user's level, a weekly cycle, per-event noise, scores rounded to whole points, phases of 5-10
    // days drawn by the seed. 840 participants give 210 of them.
    const options = { ...DEFAULT_SEED_OPTIONS, users: 840, days: 45, events: 840 * 45 * 10, protocolShare: 1, seed: 7 };
    const results = await withDuckDB(async (con) => {
      await loadSeeded(con, options, (u) => u.protocol!.effect === 0);
      return analyzeProtocols(con);
    });
    expect(results).toHaveLength(210);
    const tests = results.map((r) => r.analysis.randomization);
    expect(tests.flatMap((t) => (isComputed(t) ? [] : [t.notComputed]))).toEqual([]);
    const rate = (ps: number[]) => ps.filter((p) => p <= 0.05).length / ps.length;

    // As `labbook analyze` runs it: ABAB, PA-PB, phases of at least 5 days; up to 40 days every assignment is
    // enumerated.
    const asAnalyzed = tests.map((t) => computed(t));
    expect(asAnalyzed.every((t) => t.exhaustive && t.design === "ABAB" && t.statistic === "PA-PB")).toBe(true);
    expect(rate(asAnalyzed.map((t) => t.p))).toBeGreaterThanOrEqual(0.02);
    expect(rate(asAnalyzed.map((t) => t.p))).toBeLessThanOrEqual(0.09);

    // The Monte Carlo path on the same series: 199 seeded draws wherever the assignments outnumber them.
    const sampled = results.map((r, i) =>
      randomizationTest(
        r.series.map((p) => p.value),
        r.series.map((p) => abOf(p.phaseType)),
        { design: "ABAB", statistic: "PA-PB", minPhaseLength: 5, samples: 199, seed: i + 1 },
      ),
    );
    expect(sampled.filter((t) => !t.exhaustive).length).toBeGreaterThanOrEqual(100);
    expect(rate(sampled.map((t) => t.p))).toBeGreaterThanOrEqual(0.02);
    expect(rate(sampled.map((t) => t.p))).toBeLessThanOrEqual(0.09);
  });
});
