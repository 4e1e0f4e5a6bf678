import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { sqlString } from "../../loaders/sql-quote.ts";
import { siteContext } from "../../loaders/site/context.ts";
import { prepareSiteData } from "../../loaders/site/prepare.ts";
import { versionParts } from "../../loaders/store/files.ts";
import { runCli } from "../util/cli.ts";
import { withDerived } from "../util/derive.ts";
import { flipByte } from "../util/project.ts";
import { seededProject, pinsOf, type SeededProject } from "../util/seeded.ts";

/**
 * Every command that reads a version's rows refuses an object whose bytes are not its version's: another valid
 * Parquet file put in its place, or one flipped byte. Before, each of them read it and exited 0. The object is one
 * partition of a behavioral_events version (stored by day), so the message names the version and that object.
 */
describe("commands refuse a corrupt object", () => {
  let project: SeededProject;
  let events: string;
  let file: string;
  let object: string;
  let good: Buffer;
  let out: string;
  beforeAll(async () => {
    project = await seededProject();
    // One retried write: its day's events_dedup partition is then an object of its own, and its events partition
    // one that no derived version shares (every other day's is the same object in both datasets).
    await project.db.sql.begin(async (tx) => {
      await tx`CREATE TEMP TABLE retried AS SELECT * FROM "BehavioralEvent" ORDER BY id LIMIT 1`;
      // Same cuid shape, new id.
      await tx`UPDATE retried SET id = left(id, 21) || 'zdp0'`;
      await tx`INSERT INTO "BehavioralEvent" SELECT * FROM retried`;
    });
    const results = await project.ingest();
    // The derived datasets too, as a first build pins them: analyze reads phase_observations and events_dedup.
    const pins = await withDerived(project.config, pinsOf("default", results).default!);
    await project.pin({ default: pins });
    events = results.find((r) => r.dataset === "behavioral_events")!.version;
    const parts = (await versionParts(project.config.dataDir, events))!;
    expect(parts.length).toBeGreaterThan(1);
    // Corrupt the one that no derived version shares, so that analyze, which reads only derived datasets, never
    // meets it.
    const derived = new Set<string>();
    for (const [name, version] of Object.entries(pins)) {
      if (name === "behavioral_events") continue;
      for (const p of (await versionParts(project.config.dataDir, version)) ?? []) derived.add(p.object);
    }
    const own = parts.filter((p) => !derived.has(p.object));
    expect(own).toHaveLength(1);
    ({ file, object } = own[0]!);
    good = await readFile(file);
    out = await mkdtemp(path.join(tmpdir(), "labbook-corrupt-"));
  });
  afterAll(async () => {
    await project?.remove();
    if (out) await rm(out, { recursive: true, force: true });
  });

  /** Another valid Parquet file with the same columns: the partition's first ten events. */
  const replaceWithOtherParquet = async () => {
    const other = path.join(out, "other.parquet");
    await withDuckDB((con) =>
      con.run(`COPY (SELECT * FROM read_parquet(${sqlString(file)}) LIMIT 10) TO ${sqlString(other)} (FORMAT parquet)`),
    );
    await copyFile(other, file);
  };
  // Every command goes through one check (store/files.ts): all of them for one corruption, one of them for the other.
  const corruptions = [
    ["replaced by another valid Parquet file", replaceWithOtherParquet, Infinity],
    ["with one byte flipped", () => flipByte(file), 1],
  ] as const;

  const commands: [string, string[]][] = [
    ["sql", ["sql", "SELECT count(*) AS n FROM behavioral_events"]],
    ["check", ["check", "--pins", "default"]],
    ["export", ["export", "behavioral_events", "--format", "csv", "--out", "OUT"]],
    // Forced: the derived datasets are up to date, and a run that reads nothing has nothing to refuse.
    ["run", ["run", "--force"]],
    ["sync-duckdb", ["sync-duckdb"]],
    ["diff", ["diff", "behavioral_events@EVENTS", "behavioral_events@EVENTS"]],
  ];

  const expectRefused = (result: { code: number | null; stderr: string }) => {
    expect(result.stderr).toContain(
      `behavioral_events@${events.slice(7, 19)} is corrupt: ${file} does not hold its partition object ${object}`,
    );
    expect(result.stderr).toContain("labbook pull");
    expect(result.code).toBe(1);
  };

  for (const [how, corrupt, count] of corruptions) {
    describe(how, () => {
      beforeAll(async () => {
        // A good read first: the object is then trusted, and the corruption must invalidate that.
        expect((await runCli(commands[0]![1], project.env)).code).toBe(0);
        await corrupt();
      });
      afterAll(() => writeFile(file, good));

      for (const [name, args] of commands.slice(0, count)) {
        it(`labbook ${name}`, async () => {
          const argv = args.map((a) => (a === "OUT" ? path.join(out, name) : a.replace("EVENTS", events.slice(7, 19))));
          expectRefused(await runCli(argv, project.env));
        });
      }

      it("labbook analyze opens only the datasets it analyses, as the experiment pages do: events are not among them", async () => {
        const result = await runCli(["analyze", "--all"], project.env);
        expect(result.stderr).not.toContain("is corrupt");
        expect(result.code, result.stderr).toBe(0);
      });

      it("the site build's data preparation and its loaders", async () => {
        await expect(prepareSiteData(project.config)).rejects.toMatchObject({ code: "E_INTEGRITY" });
        await expect(siteContext({ reads: ["behavioral_events"] }, project.env)).rejects.toMatchObject({
          code: "E_INTEGRITY",
          message: expect.stringContaining(file),
        });
      });
    });
  }

  it("reads the object again once its bytes are restored", async () => {
    const { code, stdout } = await runCli(
      ["sql", "--json", "SELECT count(*) AS n FROM behavioral_events"],
      project.env,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0].n).toBeGreaterThan(0);
  });
});
