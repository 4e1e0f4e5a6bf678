import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../loaders/config.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import { memoryLogger, silentLogger } from "../../loaders/log.ts";
import { invalidateSite } from "../../loaders/site/build.ts";
import { deriveFrom } from "../../loaders/site/first-pins.ts";
import { prepareSiteData } from "../../loaders/site/prepare.ts";
import { getDataset, sourceDatasets } from "../../loaders/datasets/index.ts";
import { ingestPostgres } from "../../loaders/ingest/postgres.ts";
import { detectNaming } from "../../loaders/sources/naming.ts";
import { withDatabase } from "../../loaders/sources/postgres.ts";
import { isLocal } from "../../loaders/store/files.ts";
import { manifestPath } from "../../loaders/store/manifest.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { seedSmall } from "../util/site.ts";

/** What `labbook build` does before Framework runs: make sure the pinned objects are here, without re-ingesting. */
describe("prepareSiteData", () => {
  let db: TestDatabase;
  let dir: string;
  let config: Config;
  let pins: Record<string, string>;
  const project = (name: string, env: Record<string, string> = {}) =>
    loadConfig(
      { LABBOOK_DATA_DIR: path.join(dir, name, "data"), LABBOOK_LINEAGE_DIR: path.join(dir, name, "lineage"), ...env },
      path.join(dir, name),
    );

  beforeAll(async () => {
    db = await createTestDatabase("prepare");
    await seedSmall(db.sql);
    dir = await mkdtemp(path.join(tmpdir(), "labbook-prepare-"));
    config = project("first", { DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it("ingests every source dataset, derives the pipeline's datasets and pins them all as `default` when nothing is pinned", async () => {
    const result = await prepareSiteData(config);
    expect(result).toMatchObject({ action: "created", seeded: false });
    pins = JSON.parse(await readFile(path.join(config.lineageDir, "pins.json"), "utf8")).default;
    expect(pins).toEqual((result as { versions: Record<string, string> }).versions);
    expect(Object.keys(pins)).toEqual(
      expect.arrayContaining(["behavioral_events", "events_dedup", "phase_observations"]),
    );
    for (const version of Object.values(pins)) expect(await isLocal(config.dataDir, version)).toBe(true);
    expect(await prepareSiteData(config)).toEqual({ action: "ready" });
  });

  it("never invents an experiment's pin set", async () => {
    const other = project("unpinned", { DATABASE_URL: db.url, LABBOOK_PINS: "exp-reminders" });
    await expect(prepareSiteData(other)).rejects.toThrow('no pin set "exp-reminders" in lineage/pins.json');
  });

  it("fails naming the missing objects when there is no remote, and touches no database", async () => {
    // A clone of the project: pins and lineage records, but an empty store. The database URL is unreachable, so
    // any attempt to ingest would fail differently.
    const clone = project("clone", { DATABASE_URL: "postgres://nobody:secret@127.0.0.1:1/none" });
    await cp(config.lineageDir, clone.lineageDir, { recursive: true });
    const error = await prepareSiteData(clone).catch((e) => e);
    expect(error).toMatchObject({ code: "E_NOT_FOUND" });
    expect(error.message).toMatch(/^pinned objects are missing from the local store: /);
    for (const [dataset, version] of Object.entries(pins))
      expect(error.message).toContain(`${dataset}@${version.slice(7, 19)}`);
    expect(error.details.join("\n")).toContain("LABBOOK_REMOTE");
    expect(existsSync(clone.dataDir)).toBe(false);
  });

  it("pulls the missing objects from LABBOOK_REMOTE", async () => {
    // A directory remote laid out like a store: objects/ and lineage/.
    const remote = path.join(dir, "remote");
    await cp(path.join(config.dataDir, "objects"), path.join(remote, "objects"), { recursive: true });
    await cp(config.lineageDir, path.join(remote, "lineage"), { recursive: true });
    const clone = project("pulling", {
      LABBOOK_REMOTE: remote,
      DATABASE_URL: "postgres://nobody:secret@127.0.0.1:1/none",
    });
    await writePins(clone.lineageDir, { default: pins });
    const log = memoryLogger();
    const result = await prepareSiteData(clone, { log });
    // One per distinct version (a partitioned version counts once).
    expect(result).toMatchObject({ action: "pulled", objects: new Set(Object.values(pins)).size });
    // Only pins.json was there: the records came from the remote, untracked, and the build says to commit them.
    const n = Object.keys(pins).length;
    expect(log.lines).toContain(
      `warning: build: pulled ${n} lineage record(s) this commit lacks into ${clone.lineageDir}; commit them ` +
        "with pins.json (git add lineage), or builds of this commit elsewhere may differ",
    );
    for (const version of Object.values(pins)) expect(await isLocal(clone.dataDir, version)).toBe(true);
    expect(await prepareSiteData(clone)).toEqual({ action: "ready" });
  });

  it("pulls the version the drift checks compare with, and builds without it when the remote lacks it", async () => {
    // A second version of behavioral_events, pinned: its drift checks compare it with the first one.
    await db.sql`DELETE FROM "BehavioralEvent" WHERE id IN (SELECT id FROM "BehavioralEvent" ORDER BY id LIMIT 50)`;
    const second = await withDatabase(config, async (source) =>
      ingestPostgres(getDataset("behavioral_events"), source, await detectNaming(source.sql), config),
    );
    const first = pins.behavioral_events!;
    expect(second.version).not.toBe(first);
    // The pin set a build after that ingest makes: the derived datasets made from the second version. (seedSmall
    // has no duplicates, so events_dedup's versions are behavioral_events' own, manifest for manifest.)
    const sources = Object.fromEntries(sourceDatasets().map((d) => [d.name, pins[d.name]!]));
    sources.behavioral_events = second.version;
    const newer = { ...pins, ...sources, ...(await deriveFrom(config, sources, silentLogger)) };
    expect(newer.events_dedup).not.toBe(first);
    const remote = path.join(dir, "remote-drift");
    await cp(path.join(config.dataDir, "objects"), path.join(remote, "objects"), { recursive: true });
    await cp(config.lineageDir, path.join(remote, "lineage"), { recursive: true });
    const clone = (name: string) => {
      const c = project(name, { LABBOOK_REMOTE: remote, DATABASE_URL: "postgres://nobody:secret@127.0.0.1:1/none" });
      return cp(config.lineageDir, c.lineageDir, { recursive: true })
        .then(() => writePins(c.lineageDir, { default: newer }))
        .then(() => c);
    };
    const pulling = await clone("drift-pulling");
    const result = await prepareSiteData(pulling);
    // The pinned objects, and the first version of behavioral_events besides them.
    expect(result).toMatchObject({ action: "pulled", objects: new Set([...Object.values(newer), first]).size });
    expect(await isLocal(pulling.dataDir, first)).toBe(true);
    expect(await prepareSiteData(pulling)).toEqual({ action: "ready" });

    // A remote without the compared version: the build goes on, and the quality page says what it lacks.
    // behavioral_events is stored by day: without its manifest the version cannot be pulled.
    await rm(path.join(remote, path.relative(config.dataDir, manifestPath(config.dataDir, first))));
    const lacking = await clone("drift-lacking");
    const warnings: string[] = [];
    const log = { info() {}, progress() {}, warn: (m: string) => warnings.push(m) };
    await expect(prepareSiteData(lacking, { log })).resolves.toMatchObject({ action: "pulled" });
    expect(await isLocal(lacking.dataDir, first)).toBe(false);
    expect(warnings.join("\n")).toContain(
      "could not pull the version(s) the drift checks compare with (behavioral_events@",
    );
  });

  it("stops before Framework runs when the pin set leaves out a dataset a page reads", async () => {
    // phase_assignments is read by the experiment pages; a set without it would fail inside a loader, mid-build.
    const { phase_assignments: _left, ...partial } = pins;
    const other = project("partial", { LABBOOK_PINS: "exp-partial", LABBOOK_PSEUDONYM_KEY: "a".repeat(32) });
    await writePins(other.lineageDir, { "exp-partial": partial });
    await mkdir(path.join(other.root, "src"), { recursive: true });
    await writeFile(path.join(other.root, "src", "phases.json.sql"), "SELECT count(*) AS n FROM phase_assignments");
    const error = await invalidateSite(other, { LABBOOK_PSEUDONYM_KEY: "a".repeat(32) }).catch((e) => e);
    expect(error).toMatchObject({ code: "E_NOT_FOUND" });
    expect(error.message).toBe('src/phases.json.sql reads phase_assignments, which pin set "exp-partial" does not pin');
    expect(error.details.join("\n")).toContain("labbook pin exp-partial");
  });
});
