import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { versionFiles } from "../../loaders/store/files.ts";
import { runCli } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

const STAGES = ["events_dedup", "sessions", "daily_user_metrics", "weekly_metrics", "phase_observations"];

describe("labbook ingest --all && labbook run", () => {
  let db: TestDatabase;
  let project: TestProject;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, { ...DEFAULT_SEED_OPTIONS, users: 8, days: 30, events: 3000 }, "pascal");
    project = await createProject();
    env = { ...project.env, DATABASE_URL: db.url };
    const ingest = await cli("ingest", "--all");
    expect(ingest.stderr).not.toContain("error");
    expect(ingest.code).toBe(0);
  });
  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  it("--dry-run says what would run and why, and runs nothing", async () => {
    const { code, stdout } = await cli("run", "--dry-run");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^events_dedup +would-run +never run$/m);
    expect(stdout).toMatch(/^weekly_metrics +would-run +never run$/m);
    expect(stdout).toMatch(/^5 stages would run\.$/m);
    expect(await listVersions(project.config.lineageDir, "events_dedup")).toEqual([]);
  });

  it("produces every derived dataset, each with lineage naming its input versions", async () => {
    const { code, stdout, stderr } = await cli("run");
    expect(stderr).not.toContain("error");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Ran 5 stages\.$/m);
    for (const name of STAGES) {
      const show = await cli("show", `${name}@latest`);
      expect(show.code).toBe(0);
      const record = JSON.parse(show.stdout);
      expect(record.job.name).toBe(`run.${name}`);
      for (const input of record.inputs) {
        const [current] = await listVersions(project.config.lineageDir, input.name);
        expect(input.facets.version.datasetVersion).toBe(current!.version);
      }
    }
    const versions = await cli("versions", "sessions");
    expect(versions.stdout).toMatch(/run\.sessions/);
  });

  it("does nothing on a second run, and says so", async () => {
    const { code, stdout } = await cli("run");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Nothing to do: every stage is up to date\.$/m);
    const json = JSON.parse((await cli("run", "--json")).stdout);
    expect(json).toMatchObject({ dryRun: false, ran: [], failed: [] });
    expect(json.stages.map((s: { status: string }) => s.status)).toEqual(STAGES.map(() => "up-to-date"));
  });

  it("exits 1 naming the failed stage, and runs neither it nor its dependents", async () => {
    // Lose one partition object of events_dedup's input: its stage cannot read the version.
    const [events] = await listVersions(project.config.lineageDir, "behavioral_events");
    const files = (await versionFiles(project.config.dataDir, events!.version))!;
    expect(files.length).toBeGreaterThan(1);
    await rm(files[1]!);
    const { code, stderr } = await cli("run", "--force");
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error: stage events_dedup failed: input behavioral_events@[0-9a-f]{12} is not in the local store$/m,
    );
    expect(stderr).toMatch(/^ {2}sessions: not run: events_dedup failed$/m);
  });

  it("refuses bad options as usage errors", async () => {
    expect((await cli("run", "--days", "3")).code).toBe(2);
    expect((await cli("run", "--mode", "recent")).code).toBe(2);
    expect((await cli("run", "--mode", "sometimes")).code).toBe(2);
    const source = await cli("run", "behavioral_events");
    expect(source.code).toBe(2);
    expect(source.stderr).toContain('Its versions are made by "labbook ingest behavioral_events".');
  });

  it("ingest --from reports a malformed log line as file:line and exits 1", async () => {
    const { code, stderr } = await cli("ingest", "operation_events", "--from", "test/fixtures/logs/malformed/*.ndjson");
    expect(code).toBe(1);
    // Outside the project root (a temp dir here) a file is named by its absolute path.
    expect(stderr).toMatch(/^ {2}\S*test\/fixtures\/logs\/malformed\/ops-bad\.ndjson:3: invalid JSON: /m);
    const ok = await cli("ingest", "operation_events", "--from", "test/fixtures/logs/operations/*", "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)[0]).toMatchObject({ dataset: "operation_events", rowCount: 12 });
  });
});
