import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { analyzeProtocols, type ProtocolResult } from "../../loaders/experiments/analyze.ts";
import { planStudy } from "../../loaders/seed/plan.ts";
import { siteContext } from "../../loaders/site/context.ts";
import { experimentsData, type ProtocolPage } from "../../loaders/site/experiments.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { attachPinned } from "../../loaders/store/pinned.ts";
import { runCli } from "../util/cli.ts";
import { createTestProject, pinsOf, SMALL_SEED, type TestProject } from "../deliver/_project.ts";

// Enough participants and days that every planted effect size (0, 6, 10, 15 points) occurs.
const OPTIONS = { ...SMALL_SEED, users: 16, days: 60, events: 24_000, protocolShare: 0.5, seed: 2 };

describe("analyzeProtocols on seeded data with known effects", () => {
  let project: TestProject;
  let results: ProtocolResult[];
  const effects = new Map(planStudy(OPTIONS).flatMap((u) => (u.protocol ? [[u.protocol.id, u.protocol.effect]] : [])));

  beforeAll(async () => {
    project = await createTestProject();
    await seedDatabase(project.db.sql, OPTIONS, "pascal");
    await project.pin(pinsOf("default", await project.ingest()));
    results = await withDuckDB(async (con) => {
      await attachPinned(con, project.config, "default");
      return analyzeProtocols(con);
    });
  });
  afterAll(() => project?.dispose());

  it("analyses every planned protocol", () => {
    expect(results.map((r) => r.id).sort()).toEqual([...effects.keys()].sort());
    expect(results.every((r) => r.analysis !== undefined)).toBe(true);
  });

  it("recovers a known positive effect: NAP above 0.5 and a positive first level change", () => {
    const positive = results.filter((r) => effects.get(r.id)! >= 10);
    expect(positive.length).toBeGreaterThan(0);
    for (const r of positive) {
      const nap = r.analysis!.effects.find((e) => e.name === "NAP")!;
      const level = r.analysis!.piecewise.terms.find((t) => t.name === "level B(1)")!;
      expect(nap.estimate, r.name).toBeGreaterThan(0.5);
      expect(level.estimate, r.name).toBeGreaterThan(0);
    }
  });

  it("labels every day with an assigned phase, and keeps missing days missing", () => {
    for (const r of results) {
      expect(new Set(r.series.map((p) => p.phaseLabel))).toEqual(
        new Set(["baseline_1", "intervention_A_1", "baseline_2", "intervention_A_2"]),
      );
      const days = r.series.map((p) => p.day);
      expect(days).toEqual([...days].sort((a, b) => a - b));
      expect(r.series.every((p) => Number.isFinite(p.value) && p.value > 0)).toBe(true);
      expect(r.mismatches).toEqual([]);
    }
  });

  it("prints the same numbers from the CLI as the library computes", async () => {
    const cli = await runCli(["analyze", "--all", "--pins", "default", "--json"], project.env);
    expect(cli.code, cli.stderr).toBe(0);
    const fromCli = JSON.parse(cli.stdout).protocols as ProtocolResult[];
    expect(fromCli.map((r) => [r.id, r.analysis?.effects, r.analysis?.randomization.p])).toEqual(
      results.map((r) => [r.id, r.analysis?.effects, r.analysis?.randomization.p]),
    );
  });

  it("gives the experiment pages the same numbers", async () => {
    const ctx = await siteContext("experiments", {
      ...process.env,
      ...project.env,
      LABBOOK_PSEUDONYM_KEY: "k".repeat(32),
    });
    const files = await experimentsData(ctx);
    for (const r of results) {
      const page = files[`${r.id}.json`] as ProtocolPage;
      expect("error" in page.analysis).toBe(false);
      if ("error" in page.analysis) continue;
      expect(page.analysis.effects).toEqual(r.analysis!.effects);
      expect(page.analysis.piecewise).toEqual(r.analysis!.piecewise);
      expect(page.analysis.interpretation).toBe(r.analysis!.interpretation);
      const { distribution, ...test } = r.analysis!.randomization;
      const { histogram, ...pageTest } = page.analysis.randomization;
      expect(pageTest).toEqual(test);
      expect(histogram.reduce((n, b) => n + b.count, 0)).toBe(distribution.length);
    }
  });

  it("names the known protocols when asked for an unknown one", async () => {
    const cli = await runCli(["analyze", "no-such-protocol"], project.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("unknown protocol: no-such-protocol");
  });

  it("exits 2 without a protocol or --all", async () => {
    expect((await runCli(["analyze"], project.env)).code).toBe(2);
  });
});
