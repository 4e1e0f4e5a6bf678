import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceDatasets } from "../../loaders/datasets/index.ts";
import { ingestFailure } from "../../loaders/cli/commands/ingest.ts";
import { behavioralEvents } from "../../loaders/datasets/behavioral-events.ts";
import type { PartitionsFacet } from "../../loaders/ingest/partitions.ts";
import type { IngestResult } from "../../loaders/ingest/postgres.ts";
import { orderForChecks } from "../../loaders/quality/order.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { embeddedStatus, shareDataDir, stopEmbedded } from "../../loaders/sources/embedded.ts";
import { earlierRunsOf, listVersions, readRecord } from "../../loaders/lineage/catalog.ts";
import { versionStoreFiles } from "../../loaders/store/files.ts";
import { manifestPath } from "../../loaders/store/manifest.ts";
import { hashFile, objectPath } from "../../loaders/store/objects.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli, spawnCli, type CliResult } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";
import { SMALL_SEED, seededProject, type SeededProject } from "../util/seeded.ts";
import { listTree, snapshot } from "../util/tree.ts";

const SMALL = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 30, events: 3000 };
const KNOWN = sourceDatasets().map((d) => d.name);

/** Every lineage record of a project, parsed. */
async function records(lineageDir: string): Promise<{ file: string; text: string; json: unknown }[]> {
  const files = (await listTree(lineageDir)).filter((f) => f.endsWith(".json") && f.includes("/"));
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(lineageDir, file), "utf8");
      return { file, text, json: JSON.parse(text) };
    }),
  );
}

/** What is left in a project's temp area besides the spill root: nothing, once every ingest has finished. */
const leftovers = async (project: TestProject) =>
  (await listTree(path.join(project.config.dataDir, "tmp"))).filter((entry) => entry !== "duckdb/");

/**
 * Checks every record's version is in the store with the sha256 its name promises and the size the record names:
 * its one object, or its manifest and partition objects (behavioral_events), each hashing to its name, the
 * partitions' bytes adding up to the size.
 */
async function expectConsistent(project: TestProject): Promise<number> {
  const all = await records(project.config.lineageDir);
  for (const { file, json } of all) {
    const out = (json as { outputs: { facets: { version: { datasetVersion: string } }; outputFacets: unknown }[] })
      .outputs[0]!;
    const version = out.facets.version.datasetVersion;
    expect(file.endsWith(`${version.slice(7)}.json`)).toBe(true);
    const parts = await versionStoreFiles(project.config.dataDir, version);
    expect(parts, file).toBeDefined();
    expect(parts![0]!.object).toBe(version);
    let size = 0;
    for (const part of parts!) {
      const hashed = await hashFile(part.file);
      expect(hashed.version, part.file).toBe(part.object);
      if (!part.manifest) size += hashed.size;
    }
    const stats = (out.outputFacets as { outputStatistics: { size: number } }).outputStatistics;
    expect(size, file).toBe(stats.size);
  }
  return all.length;
}

describe("labbook ingest", () => {
  let db: TestDatabase;
  let project: TestProject;
  let env: Record<string, string>;
  let password: string;
  const stderrs: string[] = [];
  const cli = async (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
    const result = await runCli(args, { ...env, ...extra });
    stderrs.push(result.stderr, result.stdout);
    return result;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, SMALL, "pascal");
    project = await createProject();
    env = { ...project.env, DATABASE_URL: db.url };
    password = decodeURIComponent(new URL(db.url).password);
    expect(password.length).toBeGreaterThan(8);
  });
  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  it("--all versions the four source datasets and prints one line each", async () => {
    const { code, stdout, stderr } = await cli(["ingest", "--all"]);
    expect(stderr).not.toContain("error");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    // In the order the quality checks need: a dataset after those its checks refer to.
    expect(lines.map((l) => l.split("@")[0])).toEqual(orderForChecks(sourceDatasets()).map((d) => d.name));
    for (const line of lines) expect(line).toMatch(/^\w+@[0-9a-f]{12} {2}\d+ rows {2}\d+ bytes {2}new/);
    expect(stderr).toContain('source tables: pascal naming ("BehavioralEvent")');
    expect(await expectConsistent(project)).toBe(4);
  });

  it("says so when the bytes are unchanged, and --json reports the result", async () => {
    const { code, stdout, stderr } = await cli(["ingest", "behavioral_events", "--json"]);
    expect(code).toBe(0);
    const [result] = JSON.parse(stdout);
    expect(result).toMatchObject({ dataset: "behavioral_events", rowCount: SMALL.events, stored: false });
    expect(result.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stderr).toContain(`behavioral_events: unchanged, version ${result.version.slice(7, 19)} is already stored`);
  });

  it("binds --user-id: a quoted SQL fragment selects nothing", async () => {
    const { code, stdout, stderr } = await cli(["ingest", "behavioral_events", "--user-id", "x' OR '1'='1", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0]).toMatchObject({ rowCount: 0 });
    expect(stderr).toContain("warning: behavioral_events: the selection is empty");
  });

  it("exits 2 on an unknown dataset, listing the known ones", async () => {
    const { code, stdout, stderr } = await cli(["ingest", "nope"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: unknown dataset: nope\n {2}Known datasets: .*\.\n$/);
    for (const name of KNOWN) expect(stderr).toContain(name);
  });

  it.each([
    [["ingest"], "labbook ingest: name a dataset or pass --all"],
    [["ingest", "--all", "behavioral_events"], "labbook ingest: give dataset names or --all, not both"],
    [["ingest", "behavioral_events", "--non-strict", "--no-validate"], "--non-strict and --no-validate exclude"],
    [["ingest", "behavioral_events", "--days", "3", "--since", "2025-06-01"], "--days cannot be combined"],
    [
      ["ingest", "behavioral_events", "--since", "yesterday"],
      '--since takes an ISO 8601 date or timestamp, got "yesterday"',
    ],
  ])("exits 2 on bad usage: %j", async (args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("refuses an impossible or non-ISO --since/--until with exit 2 before connecting to any database", async () => {
    const url = new URL(db.url);
    url.port = "1";
    for (const [option, value] of [
      ["--since", "2025-09-31"],
      ["--until", "Sep 20 2025"],
    ]) {
      const { code, stdout, stderr } = await cli(["ingest", "behavioral_events", option!, value!], {
        DATABASE_URL: url.toString(),
      });
      expect(code, stderr).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toBe(
        `error: ${option} takes an ISO 8601 date or timestamp, got "${value}"\n` +
          "  For example 2025-09-01 (midnight UTC), 2025-09-01T12:30 (UTC), 2025-09-01T12:30:00Z, " +
          "2025-09-01T14:30+02:00. A time without an offset is UTC.\n",
      );
    }
    const wrongColumn = await cli(["ingest", "phase_assignments", "--user-id", "u1"], { DATABASE_URL: url.toString() });
    expect(wrongColumn.code).toBe(2);
    expect(wrongColumn.stderr).toBe("error: phase_assignments has no user column to filter on\n");
  });

  it("exits 1 with a clear message when the server cannot be reached", async () => {
    const url = new URL(db.url);
    url.port = "1";
    const { code, stderr } = await cli(["ingest", "behavioral_events"], { DATABASE_URL: url.toString() });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/\w+: /);
    expect(stderr).toContain("Check DATABASE_URL, that the server is up, and the credentials.");
  });

  it("exits 1 with a clear message when the password is wrong, and never prints it", async () => {
    const url = new URL(db.url);
    const wrong = "Wr0ng-secret-p4ss";
    url.password = wrong;
    const { code, stdout, stderr } = await cli(["ingest", "behavioral_events", "--json"], {
      DATABASE_URL: url.toString(),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: /);
    expect(stderr).toContain('password authentication failed for user "postgres"');
    expect(JSON.parse(stdout).error).toMatchObject({ code: "E_DATABASE" });
    expect(stderr + stdout).not.toContain(wrong);
  });

  it("runs two ingests at once: both succeed and the store stays consistent", async () => {
    const before = (await records(project.config.lineageDir)).length;
    const [a, b] = await Promise.all([
      cli(["ingest", "--all"]),
      cli(["ingest", "behavioral_events", "context_metadata", "--until", "2025-06-20"]),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    // --all reproduces the versions already stored; the --until selection adds two.
    expect(await expectConsistent(project)).toBe(before + 2);
    expect(existsSync(path.join(project.config.dataDir, "store.lock"))).toBe(false);
    // Each run spilled to a directory of its own and removed it.
    expect(await leftovers(project)).toEqual([]);
  });

  it("says when an ingest reproduces an older version, and keeps the run its record replaces", async () => {
    const full = await cli(["ingest", "context_metadata", "--json"]);
    expect(full.code, full.stderr).toBe(0);
    const [a] = JSON.parse(full.stdout) as { version: string }[];
    const filtered = await cli(["ingest", "context_metadata", "--until", "2025-06-15"]);
    expect(filtered.code, filtered.stderr).toBe(0);
    const before = await readRecord(project.config.lineageDir, "context_metadata", a!.version);

    const again = await cli(["ingest", "context_metadata"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      `context_metadata: reproduced version ${shortVersion(a!.version)}, already stored; it is the latest again`,
    );
    expect(again.stdout).toMatch(/ reproduced( |$)/m);
    const after = await readRecord(project.config.lineageDir, "context_metadata", a!.version);
    expect(earlierRunsOf(after)[0]).toMatchObject({ runId: before.run.runId, eventTime: before.eventTime });

    const unchanged = await cli(["ingest", "context_metadata"]);
    expect(unchanged.stderr).toContain(
      `context_metadata: unchanged, version ${shortVersion(a!.version)} is already stored`,
    );
    expect(unchanged.stdout).toMatch(/ unchanged( |$)/m);
  });

  it("fails naming the tables it looked for when DATABASE_URL points at an empty database, and creates none", async () => {
    const empty = await createTestDatabase();
    try {
      const { code, stdout, stderr } = await cli(["ingest", "--all", "--json"], { DATABASE_URL: empty.url });
      expect(code).toBe(1);
      expect(stderr).toContain(
        'error: source tables not found: looked for "BehavioralEvent" or "behavioral_events" on the search path\n',
      );
      expect(stderr).not.toContain("seeding");
      expect(JSON.parse(stdout).error).toMatchObject({ code: "E_SOURCE" });
      const tables = await empty.sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
      expect(tables).toHaveLength(0);
    } finally {
      await empty.drop();
    }
  });

  it("never writes a credential to a lineage record or a log", async () => {
    const all = await records(project.config.lineageDir);
    expect(all.length).toBeGreaterThan(0);
    for (const { file, text } of all) {
      expect(text, file).not.toContain(password);
      expect(text, file).toContain(`postgres://postgres@127.0.0.1:${new URL(db.url).port}/`);
    }
    expect(stderrs.length).toBeGreaterThan(10);
    for (const text of stderrs) expect(text).not.toContain(password);
  });
});

describe("labbook ingest behavioral_events twice, with a change in between", () => {
  let project: SeededProject;
  beforeAll(async () => {
    project = await seededProject();
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("writes only the changed day's partition, says so, and gives the version a --full ingest gives", async () => {
    const first = await project.cli(["ingest", "behavioral_events", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const [one] = JSON.parse(first.stdout) as IngestResult[];
    const days = one!.partitions!.written;
    expect(one!.partitions).toMatchObject({ written: SMALL_SEED.days, reused: 0 });
    const record = await readRecord(project.config.lineageDir, "behavioral_events", one!.version);
    const day = (record.run.facets.labbook_partitions as PartitionsFacet).partitions[7]!.key;

    // Three events more on that day: copies of one of its events under new ids, at noon UTC.
    const columns = Object.keys(behavioralEvents.schema.shape);
    const values: Record<string, string> = {
      id: `'cdayadded' || lpad(i::text, 16, '0')`,
      timestamp: `TIMESTAMPTZ '${day} 12:00:00+00' + i * INTERVAL '1 second'`,
      eventData: `jsonb_build_object('added', i)`,
      timeOfDay: "12",
    };
    await project.db.sql.unsafe(
      `INSERT INTO "BehavioralEvent" (${columns.map((c) => `"${c}"`).join(", ")})
       SELECT ${columns.map((c) => values[c] ?? `"${c}"`).join(", ")}
       FROM (SELECT * FROM "BehavioralEvent" WHERE "timestamp" >= TIMESTAMPTZ '${day} 00:00:00+00'
             ORDER BY "timestamp", id LIMIT 1) e, generate_series(1, 3) i`,
    );

    const before = await snapshot(project.config.dataDir);
    const second = await project.cli(["ingest", "behavioral_events"]);
    expect(second.code, second.stderr).toBe(0);
    const rows = (one!.rowCount + 3).toLocaleString("en");
    expect(second.stderr).toMatch(
      new RegExp(
        `behavioral_events: new version [0-9a-f]{12} \\(${rows} rows; 1 of ${days} partitions written, ${days - 1} reused\\)`,
      ),
    );
    expect(second.stdout).toMatch(new RegExp(`  new  partitions: 1 written, ${days - 1} reused`));
    const [latest] = await listVersions(project.config.lineageDir, "behavioral_events");
    const facet = latest!.record.run.facets.labbook_partitions as PartitionsFacet;
    expect(facet.partitions.filter((p) => p.status === "written").map((p) => p.key)).toEqual([day]);
    expect(facet.base).toBe(one!.version);
    // In the store, only that day's object and the new version's manifest are new.
    const added = Object.keys(await snapshot(project.config.dataDir)).filter(
      (f) => f.startsWith("objects/") && !(f in before),
    );
    const written = facet.partitions.find((p) => p.key === day)!.object;
    const stored = (file: string) => path.relative(project.config.dataDir, file);
    expect(added.sort()).toEqual(
      [
        stored(manifestPath(project.config.dataDir, latest!.version)),
        stored(objectPath(project.config.dataDir, written)),
      ].sort(),
    );

    const full = await project.cli(["ingest", "behavioral_events", "--full", "--json"]);
    expect(full.code, full.stderr).toBe(0);
    const [again] = JSON.parse(full.stdout) as IngestResult[];
    expect(again).toMatchObject({ version: latest!.version, stored: false, partitions: { written: days, reused: 0 } });
  });
});

describe("labbook ingest: validation", () => {
  let db: TestDatabase;
  let project: TestProject;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, SMALL, "snake");
    const [e] = await db.sql`SELECT * FROM behavioral_events LIMIT 1`;
    const id = (n: number) => `cbad${String(n).padStart(21, "0")}`;
    await db.sql`INSERT INTO behavioral_events ${db.sql([
      { ...e, id: id(1), sessionPerformanceScore: 140 },
      { ...e, id: id(2), timeOfDay: 25 },
      { ...e, id: "not-a-cuid" },
      { ...e, id: id(4), eventType: "TELEPORTED" },
      { ...e, id: id(5), timestamp: "1999-12-31T00:00:00Z" },
      { ...e, id: id(6), dayOfWeek: 9 },
    ])}`;
    project = await createProject();
    env = { ...project.env, DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  it("strict (the default) exits 1, prints the first 5 errors, and writes nothing", async () => {
    const { code, stdout, stderr } = await runCli(["ingest", "behavioral_events"], env);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    const at = lines.indexOf(
      `error: validation failed for behavioral_events: 6 of ${SMALL.events + 6} rows are invalid`,
    );
    expect(at, stderr).toBeGreaterThanOrEqual(0);
    const errors = lines.slice(at + 1, at + 6);
    for (const line of errors) expect(line).toMatch(/^ {2}row \S+: \w+ = .+ \(.+\)$/);
    expect(errors).toContain('  row cbad000000000000000000001: sessionPerformanceScore = "140" (<= 100)');
    expect(errors).toContain('  row not-a-cuid: id = "not-a-cuid" (matches /^c[a-z0-9]{24}$/)');
    expect(lines[at + 6]).toMatch(/^ {2}No version was written\. Use --non-strict/);
    expect(lines).toHaveLength(at + 7);
    expect(await listTree(project.config.lineageDir)).toEqual([]);
    expect(await listTree(path.join(project.config.dataDir, "objects"))).toEqual([]);
    expect(await leftovers(project)).toEqual([]);
  });

  it("--non-strict versions the valid rows and keeps the rejected ones with their reasons", async () => {
    const { code, stdout, stderr } = await runCli(["ingest", "behavioral_events", "--non-strict", "--json"], env);
    expect(code).toBe(0);
    expect(stderr).toContain("warning: behavioral_events: 6 invalid rows written to the rejects file");
    const [r] = JSON.parse(stdout);
    expect(r).toMatchObject({
      rowCount: SMALL.events,
      validation: { mode: "non-strict", rowsRead: SMALL.events + 6, rowsValid: SMALL.events, rowsRejected: 6 },
    });
    expect((await stat(r.rejectsPath)).size).toBeGreaterThan(0);
    // The unsplit staging file is removed once the valid and rejected rows are split from it.
    expect(await leftovers(project)).toEqual([]);
  });

  it("--no-validate records that validation was skipped", async () => {
    const { code, stdout } = await runCli(["ingest", "behavioral_events", "--no-validate", "--json"], env);
    expect(code).toBe(0);
    const [r] = JSON.parse(stdout);
    expect(r).toMatchObject({ rowCount: SMALL.events + 6, validation: { mode: "skipped", rowsRejected: 0 } });
    const { stdout: shown } = await runCli(["show", `behavioral_events@${r.version.slice(7, 19)}`], env);
    expect(JSON.parse(shown).run.facets.labbook_validation.mode).toBe("skipped");
    expect(await leftovers(project)).toEqual([]);
  });
});

describe("ingestFailure: an unexpected error's message", () => {
  it("never carries the database password, plain or URL-encoded", () => {
    const url = "postgres://reader:s3cr%40t-pw@db.example.org:5432/app";
    const cause = new Error(
      "connect failed for postgres://reader:s3cr%40t-pw@db.example.org:5432/app (password s3cr@t-pw)",
    );
    const error = ingestFailure(cause, url);
    expect(error.message).toBe(
      "ingest failed: connect failed for postgres://reader:***@db.example.org:5432/app (password ***)",
    );
    expect(error.code).toBe("E_DATABASE");
    expect(ingestFailure(new Error("socket hang up"), undefined).message).toBe("ingest failed: socket hang up");
  });
});

/** Resolves once the temp area holds a staged Parquet with bytes in it: DuckDB is writing, rows are streaming. */
async function midStream(tmp: string, done: Promise<unknown>): Promise<boolean> {
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited) {
    for (const f of existsSync(tmp) ? await readdir(tmp) : []) {
      if (f.endsWith(".parquet") && (await stat(path.join(tmp, f)).catch(() => ({ size: 0 }))).size > 0) return true;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe("labbook ingest: interrupted mid-stream", () => {
  let db: TestDatabase;
  let project: TestProject;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    // Big enough that the ingest is still streaming when the signal comes.
    await seedDatabase(db.sql, { ...DEFAULT_SEED_OPTIONS, users: 30, days: 60, events: 300_000 }, "pascal");
    project = await createProject();
    env = { ...project.env, DATABASE_URL: db.url };
    // A first version, so the store has its folders and something that must survive.
    expect((await runCli(["ingest", "experiment_protocols"], env)).code).toBe(0);
  });
  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  it.each(["SIGINT", "SIGTERM"] as const)("%s exits 130 and leaves the store exactly as it was", async (signal) => {
    const before = [await listTree(project.config.dataDir), await listTree(project.config.lineageDir)];
    const run = spawnCli(["ingest", "behavioral_events"], env);
    expect(await midStream(path.join(project.config.dataDir, "tmp"), run.done)).toBe(true);
    run.child.kill(signal);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain("warning: interrupted");
    expect([await listTree(project.config.dataDir), await listTree(project.config.lineageDir)]).toEqual(before);
    expect(existsSync(path.join(project.config.dataDir, "store.lock"))).toBe(false);
  });

  it("releases the lock: the next ingest succeeds", async () => {
    const { code, stdout } = await runCli(["ingest", "behavioral_events", "--json"], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0]).toMatchObject({ rowCount: 300_000, stored: true });
  });
});

describe("labbook seed && labbook ingest --all, from a fresh state", () => {
  let db: TestDatabase;
  let project: TestProject;
  beforeAll(async () => {
    db = await createTestDatabase();
    project = await createProject();
  });
  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  it("produces four versions with lineage records that versions and show describe", async () => {
    const env = { ...project.env, DATABASE_URL: db.url };
    expect(existsSync(project.config.dataDir)).toBe(false);
    const seed = await runCli(["seed", "--events", "20000"], env);
    expect(seed.code, seed.stderr).toBe(0);
    const ingest = await runCli(["ingest", "--all"], env);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(await expectConsistent(project)).toBe(4);
    for (const name of KNOWN) {
      const versions = await runCli(["versions", name, "--json"], env);
      expect(versions.code).toBe(0);
      const [entry] = JSON.parse(versions.stdout);
      const show = await runCli(["show", `${name}@latest`], env);
      expect(show.code).toBe(0);
      expect(JSON.parse(show.stdout).outputs[0].facets.version.datasetVersion).toBe(entry.version);
    }
  });
});

describe("labbook ingest --all with no DATABASE_URL, on a fresh data dir", () => {
  let project: TestProject;
  let env: Record<string, string>;
  beforeAll(async () => {
    project = await createProject();
    await shareDataDir(project.config.dataDir);
    // An empty DATABASE_URL also wins over a developer's .env.
    env = { ...project.env, DATABASE_URL: "" };
  });
  afterAll(async () => {
    if (!project) return;
    await stopEmbedded(project.config.dataDir).catch(() => {});
    await project.remove();
  });

  it("creates the embedded database, seeds it with the demo data, and ingests the four datasets", async () => {
    const { code, stdout, stderr } = await runCli(["ingest", "--all"], env);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      "embedded PostgreSQL: no source tables yet; creating them and seeding demo data (labbook seed)\n",
    );
    const events = DEFAULT_SEED_OPTIONS.events.toLocaleString("en");
    expect(stderr).toMatch(new RegExp(`embedded PostgreSQL: seeded ${events} events, .* in \\d+\\.\\d s `));
    expect(stdout.trim().split("\n")).toHaveLength(4);
    expect(await expectConsistent(project)).toBe(4);
    // The command started the server, so it stopped it again.
    expect((await embeddedStatus(project.config.dataDir)).running).toBe(false);
  });

  it("seeds only once: the next ingest finds the tables and reproduces the version", async () => {
    const { code, stdout, stderr } = await runCli(["ingest", "behavioral_events", "--json"], env);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain("seeding");
    expect(JSON.parse(stdout)[0]).toMatchObject({ rowCount: DEFAULT_SEED_OPTIONS.events, stored: false });
  });

  it("names the embedded server's tables the same in lineage whatever port it started on", async () => {
    const inputs = async () => {
      const [entry] = await listVersions(project.config.lineageDir, "behavioral_events");
      const record = entry!.record;
      return { input: record.inputs[0], run: record.run.facets };
    };
    const before = await inputs();
    // A third start: a new port, most likely, and the same names in the record it rewrites.
    expect((await runCli(["ingest", "behavioral_events"], env)).code).toBe(0);
    const after = await inputs();
    expect(after.input).toEqual(before.input);
    expect(after.input).toMatchObject({ namespace: "postgres://embedded", name: "labbook.public.BehavioralEvent" });
    expect(JSON.stringify(after)).not.toMatch(/127\.0\.0\.1|localhost/);
  });
});
