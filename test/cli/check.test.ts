import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { buildRecord } from "../../loaders/lineage/record.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import type { Config } from "../../loaders/config.ts";
import { planDefects } from "../../loaders/seed/defects.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, planStudy, type SeedOptions } from "../../loaders/seed/plan.ts";
import { commitVersion } from "../../loaders/store/commit.ts";
import { parquetRowCount, parquetSchema, stageQuery } from "../../loaders/store/parquet.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000, defects: true };

describe("labbook check on seeded defects (ingested with --no-validate)", () => {
  let db: TestDatabase;
  let project: TestProject;
  beforeAll(async () => {
    db = await createTestDatabase("check");
    await seedDatabase(db.sql, options, "pascal");
    project = await createProject({ databaseUrl: db.url });
    const ingest = await runCli(["ingest", "--all", "--no-validate"], project.env);
    expect(ingest.stderr, ingest.stderr).toContain(
      "warning: behavioral_events: check in_range(sessionPerformanceScore) failed (1 failing)",
    );
    expect(ingest.code).toBe(0);
  });
  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it("exits 1 and names each planted defect", async () => {
    const plan = planDefects(planStudy(options), options);
    const { code, stdout, stderr } = await runCli(["check"], project.env);
    expect(code).toBe(1);
    const failing = stdout.split("\n").filter((l) => / FAIL /.test(l));
    expect(failing.map((l) => l.split(/\s{2,}/).slice(1, 5))).toEqual([
      ["in_range(sessionPerformanceScore)", "error", "FAIL", "1"],
      ["duplicate_count(userId,eventType,timestamp,eventData)", "error", "FAIL", "3"],
      ["relationships(userId,experimentPhase->phase_assignments)", "error", "FAIL", "1"],
      ["no_gaps(timestamp by userId)", "error", "FAIL", "1"],
    ]);
    expect(stdout).toContain(`userId=${plan.gap!.userId} day=${plan.gap!.date}`);
    expect(stdout).toContain("experimentPhase=baseline_9");
    expect(stdout).toContain("sessionPerformanceScore=140");
    // The planted low-volume day is the only warning.
    expect(
      stdout
        .split("\n")
        .filter((l) => / WARN /.test(l))
        .map((l) => l.split(/\s{2,}/)[1]),
    ).toEqual(["volume_anomaly(timestamp)"]);
    expect(stdout).toContain(`day=${plan.lowVolume.date}`);
    expect(stderr).toMatch(/quality checks failed: behavioral_events in_range\(sessionPerformanceScore\), /);
  });

  it("stores the results as quality_results, whose lineage inputs are the checked versions", async () => {
    const { code, stdout } = await runCli(["check", "--json"], project.env);
    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.status).toBe("fail");
    const [latest] = await listVersions(project.config.lineageDir, "quality_results");
    expect(latest!.version).toBe(out.results.version);
    const checked = await Promise.all(
      ["behavioral_events", "experiment_protocols", "phase_assignments", "context_metadata"].map(async (d) => ({
        namespace: "labbook",
        name: d,
        version: (await listVersions(project.config.lineageDir, d))[0]!.version,
      })),
    );
    const inputs = latest!.record.inputs.map((i) => ({
      namespace: i.namespace,
      name: i.name,
      version: (i.facets as { version: { datasetVersion: string } }).version.datasetVersion,
    }));
    expect(inputs).toEqual(expect.arrayContaining(checked));
    expect(inputs).toHaveLength(4);
    // Same outcome, same bytes: a second run names the same version.
    expect(out.results.stored).toBe(false);
  });

  it("checks one named dataset, and exits 0 on a dataset whose checks pass", async () => {
    const { code, stdout } = await runCli(["check", "phase_assignments"], project.env);
    expect(code).toBe(0);
    expect(stdout).toContain("phase_assignments@");
    expect(stdout).not.toContain("behavioral_events@");
  });

  it("checks the versions of a pin set", async () => {
    const versions = await listVersions(project.config.lineageDir, "experiment_protocols");
    await writePins(project.config.lineageDir, { study: { experiment_protocols: versions[0]!.version } });
    const { code, stdout } = await runCli(["check", "--pins", "study", "--json"], project.env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).reports.map((r: { dataset: string }) => r.dataset)).toEqual(["experiment_protocols"]);
    const missing = await runCli(["check", "--pins", "nope"], project.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: no pin set "nope" in lineage/pins.json');
  });

  it("is a usage error on a bad reference", async () => {
    const { code, stderr } = await runCli(["check", "behavioral_events@xyz"], project.env);
    expect(code).toBe(2);
    expect(stderr).toContain('error: invalid version "xyz"');
  });
});

/** Publishes a version from a SELECT through the same staging, record and commit as an ingest. */
async function publish(config: Config, dataset: string, select: string): Promise<string> {
  return withDuckDB(async (con) => {
    const staged = await stageQuery(con, config.dataDir, select);
    const record = buildRecord({
      job: `test.${dataset}`,
      dataset,
      version: staged.version,
      rowCount: await parquetRowCount(con, staged.path),
      size: staged.size,
      fields: await parquetSchema(con, staged.path),
      inputs: [],
      dataSource: { name: "test", uri: "test://" },
      sql: select,
      parameters: {},
      git: { commit: null, branch: null, dirty: null },
      sourcePath: "test/cli/check.test.ts",
      startedAt: Date.UTC(2025, 6, 1),
      endedAt: Date.UTC(2025, 6, 1),
    });
    await commitVersion(config, dataset, staged, record);
    return staged.version;
  });
}

describe("labbook check when only a warn-severity check fails", () => {
  let project: TestProject;
  let phases: string;
  beforeAll(async () => {
    project = await createProject();
    await publish(
      project.config,
      "experiment_protocols",
      `SELECT 'p1' AS id, 'u1' AS userId, 'P1' AS protocolName, 'h' AS hypothesis,
        TIMESTAMPTZ '2025-06-02 00:00:00+00' AS startDate, TIMESTAMPTZ '2025-06-10 00:00:00+00' AS endDate,
        'ABAB' AS designType, 'sessionPerformanceScore' AS primaryOutcome, 8 AS sampleSizeTarget, NULL::JSON AS analysisPlan`,
    );
    // "Baseline 1" breaks only the label convention, which is a warning.
    phases = await publish(
      project.config,
      "phase_assignments",
      `SELECT * FROM (VALUES ('f1', 'p1', 'Baseline 1'), ('f2', 'p1', 'intervention_A_1')) AS t(id, protocolId, phaseLabel)
        CROSS JOIN (SELECT NULL::VARCHAR AS userId, 'BASELINE' AS phaseType, TIMESTAMPTZ '2025-06-02 00:00:00+00' AS startDate,
          NULL::TIMESTAMPTZ AS endDate, 4 AS plannedDuration, NULL::INTEGER AS randomizationSeed,
          NULL::JSON AS interventionParams)`,
    );
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("exits 0 with a warning that names the check", async () => {
    const { code, stdout, stderr } = await runCli(["check", "phase_assignments"], project.env);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `phase_assignments@${shortVersion(phases)}\\s+regex\\(phaseLabel\\)\\s+warn\\s+WARN\\s+1\\s+id=f1 phaseLabel=Baseline 1`,
      ),
    );
    expect(stdout).not.toMatch(/ FAIL /);
    expect(stderr).toContain("warning: 1 warn-severity check(s) failed: phase_assignments regex(phaseLabel)");
    const json = await runCli(["check", "phase_assignments", "--json"], project.env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).status).toBe("warn");
  });
});
