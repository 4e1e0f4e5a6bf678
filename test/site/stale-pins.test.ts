import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPins, writePins } from "../../loaders/lineage/pins.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { filesUnder, seedSmall } from "../util/site.ts";
import { createProject, type TestProject } from "../util/project.ts";

// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;

/** Reads a built data file by its name before Framework's content hash, e.g. "data/catalog.json". */
async function builtData<T>(dist: string, name: string): Promise<T> {
  const dir = path.join(dist, "_file", path.dirname(name));
  const base = path.basename(name, ".json");
  const file = (await filesUnder(dir)).find((f) => f.startsWith(`${base}.`) && !f.includes(path.sep));
  if (!file) throw new Error(`no built ${name} in ${dir}`);
  return JSON.parse(await readFile(path.join(dir, file), "utf8")) as T;
}

/**
 * Framework reuses a cached loader output whatever the pins say. After re-pinning one dataset, the next build must
 * show its new rows and re-run only the loaders that read it.
 */
describe("re-pinning a dataset and building again", () => {
  let db: TestDatabase;
  let project: TestProject;
  let dist: string;
  const cache = (file: string) => path.join(project.root, "src", ".observablehq", "cache", file);

  beforeAll(async () => {
    db = await createTestDatabase("stale");
    await seedSmall(db.sql);
    project = await createProject({ databaseUrl: db.url, site: "demo" });
    dist = path.join(project.root, "dist");
    const first = await project.cli(["build", "--json"]);
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.code).toBe(0);
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it(
    "shows the new version's rows and re-runs only the loaders that read it",
    async () => {
      const protocolsBefore = await builtData<{ id: string }[]>(dist, "data/experiments/index.json");
      expect(protocolsBefore.length).toBeGreaterThan(2);
      const eventsCache = (await stat(cache("events/per-day.json"))).mtimeMs;
      const experimentsCache = (await stat(cache("data/experiments.zip"))).mtimeMs;

      // A version of experiment_protocols with fewer rows: only the protocols after the first start date.
      const [row] = await db.sql`SELECT min("startDate") AS first FROM "ExperimentProtocol"`;
      const since = new Date((row!.first as Date).getTime() + 1).toISOString();
      const kept = await db.sql`SELECT id FROM "ExperimentProtocol" WHERE "startDate" >= ${since} ORDER BY id`;
      expect(kept.length).toBeLessThan(protocolsBefore.length);
      expect(kept.length).toBeGreaterThan(0);
      const ingest = await project.cli(["ingest", "experiment_protocols", "--since", since, "--json"]);
      expect(ingest.code).toBe(0);
      const [{ version, rowCount }] = JSON.parse(ingest.stdout);
      expect(rowCount).toBe(kept.length);
      const lineageDir = path.join(project.root, "lineage");
      const pins = await readPins(lineageDir);
      expect(pins.default!.experiment_protocols).not.toBe(version);
      await writePins(lineageDir, { ...pins, default: { ...pins.default, experiment_protocols: version } });

      // A protocols version with fewer rows leaves phase assignments pointing at protocols it lacks: the quality gate
      // refuses to publish it, so this build says to publish anyway (the banner is the config's header, no loader).
      const refused = await project.cli(["build", "--json"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/relationships\(protocolId->experiment_protocols\)/);
      const again = await project.cli(["build", "--json", "--allow-failing-checks"]);
      expect(again.code).toBe(0);
      const result = JSON.parse(again.stdout);
      // Those that read experiment_protocols: the statistics, and the loaders that read every pinned dataset.
      expect(result.rerun).toEqual([
        "data/catalog.json.ts",
        "data/experiments.zip.ts",
        "data/lineage.json.ts",
        "data/provenance.json.ts",
        "data/quality.json.ts",
      ]);
      expect(result.kept).toEqual(expect.arrayContaining(["events/per-day.json.sql", "events/totals.json.sql"]));
      expect(result.kept.every((l: string) => l.startsWith("events/"))).toBe(true);
      // The events loader did not run: its cached output is the same file; the experiments one was rewritten.
      expect((await stat(cache("events/per-day.json"))).mtimeMs).toBe(eventsCache);
      expect((await stat(cache("data/experiments.zip"))).mtimeMs).toBeGreaterThan(experimentsCache);

      const protocolsAfter = await builtData<{ id: string }[]>(dist, "data/experiments/index.json");
      expect(protocolsAfter.map((p) => p.id).sort()).toEqual(kept.map((r) => r.id as string).sort());
      const gone = protocolsBefore.find((p) => !kept.some((r) => r.id === p.id))!.id;
      await expect(stat(path.join(dist, "experiments", `${gone}.html`))).rejects.toThrow();
      const catalog = await builtData<{ dataset: string; version: string; rows: number }[]>(dist, "data/catalog.json");
      expect(catalog.find((d) => d.dataset === "experiment_protocols")).toMatchObject({ version, rows: rowCount });
      const provenance = await builtData<{ pins: Record<string, string> }>(dist, "data/provenance.json");
      expect(provenance.pins.experiment_protocols).toBe(version);
    },
    BUILD_TIMEOUT,
  );
});
