import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { loaderFiles } from "../../loaders/site/discover.ts";
import { embeddedPaths, embeddedStatus, stopEmbedded } from "../../loaders/sources/embedded.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { spawnCli, whenReady } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { filesUnder, pageDataFiles, seedSmall } from "../util/site.ts";
import { listTree } from "../util/tree.ts";
import { createProject, type TestProject } from "../util/project.ts";

// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;
// The first build of a fresh clone also creates the embedded cluster and seeds the full demo study into it.
const FRESH_BUILD_TIMEOUT = 900_000;

const MB = 1_000_000;

/**
 * `labbook build` of the demo site on a fresh clone: no DATABASE_URL, an empty data and lineage directory, no pins. The
 * build starts the embedded PostgreSQL, seeds it, ingests, pins `default` and builds; later builds read only the pins.
 */
describe("labbook build", () => {
  let project: TestProject;
  let dist: string;
  let first: Record<string, unknown>;
  let pins: Record<string, string>;
  const userIds: string[] = [];
  const protocolIds: string[] = [];

  beforeAll(async () => {
    project = await createProject({ site: "demo" });
    expect(project.env.DATABASE_URL).toBe("");
    dist = path.join(project.root, "out");
    const result = await project.cli(["build", "--out", dist, "--json"]);
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    first = JSON.parse(result.stdout);
    pins = JSON.parse(await readFile(path.join(project.root, "lineage", "pins.json"), "utf8")).default;
    // What was seeded, read back from the pinned versions themselves.
    await withDuckDB(async (con) => {
      for (const version of Object.values(pins)) {
        const file = parquet((await readableFiles(project.env.LABBOOK_DATA_DIR!, version))!);
        const columns = await queryRows<{ column_name: string }>(con, `DESCRIBE SELECT * FROM ${file}`);
        if (!columns.some((c) => c.column_name === "userId")) continue;
        for (const r of await queryRows<{ id: string }>(
          con,
          `SELECT DISTINCT "userId" AS id FROM ${file} WHERE "userId" IS NOT NULL`,
        ))
          if (!userIds.includes(r.id)) userIds.push(r.id);
      }
      const protocols = parquet((await readableFiles(project.env.LABBOOK_DATA_DIR!, pins.experiment_protocols!))!);
      for (const r of await queryRows<{ id: string }>(con, `SELECT id FROM ${protocols} ORDER BY id`))
        protocolIds.push(r.id);
    });
  }, FRESH_BUILD_TIMEOUT);

  afterAll(async () => {
    // The build stops the server it started; this only matters when it failed half-way.
    if (project) await stopEmbedded(project.env.LABBOOK_DATA_DIR!).catch(() => {});
    await project?.remove();
  });

  it("seeds the embedded server, ingests, runs the pipeline, pins `default` and builds on a fresh clone", async () => {
    expect(first).toMatchObject({ pinSet: "default", preparation: { action: "created", seeded: true } });
    // The sources, and the datasets the pipeline derives from them.
    expect(Object.keys(pins).sort()).toEqual([
      "behavioral_events",
      "context_metadata",
      "daily_user_metrics",
      "events_dedup",
      "experiment_protocols",
      "phase_assignments",
      "phase_observations",
      "sessions",
      "weekly_metrics",
    ]);
    expect((first.preparation as { versions: Record<string, string> }).versions).toEqual(pins);
    expect(first.pins).toEqual(pins);
    const loaders = (await loaderFiles(path.join(project.root, "src"))).map((l) => l.file);
    expect(loaders).toEqual(expect.arrayContaining(["data/experiments.zip.ts", "events/per-day.json.sql"]));
    expect(first.rerun).toEqual(loaders);
    // The cluster lives in the project's data directory, and the build stopped the server it started.
    const server = await embeddedStatus(project.env.LABBOOK_DATA_DIR!);
    expect(server).toMatchObject({ initialised: true, running: false });
  });

  it("builds every page of src/, and one page per pinned protocol", async () => {
    expect(protocolIds.length).toBeGreaterThan(1);
    const src = path.join(project.root, "src");
    const pages = (await filesUnder(src)).filter((f) => f.endsWith(".md") && !f.includes("[") && !f.startsWith("."));
    expect(pages).toEqual(expect.arrayContaining(["index.md", "events.md", "lineage.md", "experiments/index.md"]));
    const expected = [
      ...pages.map((f) => f.replace(/\.md$/, ".html")),
      ...protocolIds.map((id) => `experiments/${id}.html`),
    ].sort();
    expect(first.pages).toEqual(expected);
    for (const page of expected) expect((await stat(path.join(dist, page))).size).toBeGreaterThan(1000);
  });

  it("keeps every page's data under 1 MB", async () => {
    for (const page of first.pages as string[]) {
      const files = await pageDataFiles(dist, page);
      expect(files.length, page).toBeGreaterThan(0);
      const total = files.reduce((sum, f) => sum + f.size, 0);
      expect(total, `${page}: ${files.map((f) => `${f.file} ${f.size}`).join(", ")}`).toBeLessThanOrEqual(MB);
    }
  });

  it("publishes no seeded user id, and no database password, anywhere in the output", async () => {
    expect(userIds.length).toBeGreaterThan(5);
    const state = embeddedPaths(project.env.LABBOOK_DATA_DIR!).stateFile;
    const password = (JSON.parse(await readFile(state, "utf8")) as { password: string }).password;
    expect(password.length).toBeGreaterThan(3);
    const leaks: string[] = [];
    for (const file of await filesUnder(dist)) {
      const text = await readFile(path.join(dist, file), "latin1");
      for (const id of userIds) if (text.includes(id)) leaks.push(`${file}: ${id}`);
      if (text.includes(password)) leaks.push(`${file}: the database password`);
    }
    expect(leaks).toEqual([]);
    // The participants appear under their pseudonyms instead.
    const dir = path.join(dist, "_file", "data", "experiments");
    const index = (await filesUnder(dir)).find((f) => f.startsWith("index."))!;
    const protocols: { participant: string; designType: string }[] = JSON.parse(
      await readFile(path.join(dir, index), "utf8"),
    );
    expect(protocols.length).toBe(protocolIds.length);
    // A multiple-baseline protocol names how many participants it covers; its page lists their pseudonyms.
    expect(protocols.filter((p) => p.designType === "MULTIPLE_BASELINE")).toHaveLength(2);
    for (const p of protocols)
      expect(p.participant).toMatch(p.designType === "MULTIPLE_BASELINE" ? /^[34] participants$/ : /^u-[0-9a-f]{12}$/);
  });

  it(
    "re-runs only the build stamp when nothing changed",
    async () => {
      const again = await project.cli(["build", "--out", dist, "--json"]);
      expect(again.code).toBe(0);
      const result = JSON.parse(again.stdout);
      expect(result.preparation).toEqual({ action: "ready" });
      const loaders = (await loaderFiles(path.join(project.root, "src"))).map((l) => l.file);
      expect(result.rerun).toEqual(["data/provenance.json.ts"]);
      expect(result.kept).toEqual(loaders.filter((l) => l !== "data/provenance.json.ts"));
    },
    BUILD_TIMEOUT,
  );

  it("refuses to empty an output directory that holds something other than a build", async () => {
    const other = path.join(project.root, "notes");
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, "keep.txt"), "mine");
    const result = await project.cli(["build", "--out", other]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: output directory ${other} is not empty and holds no previous build`);
    expect(await readFile(path.join(other, "keep.txt"), "utf8")).toBe("mine");
  });
});

/** Whether a build has written a file for `out`, in it or in a hidden sibling. */
async function writing(out: string): Promise<boolean> {
  for (const entry of await readdir(path.dirname(out))) {
    if (entry !== path.basename(out) && !entry.startsWith(`.${path.basename(out)}.`)) continue;
    if ((await listTree(path.join(path.dirname(out), entry))).some((f) => !f.endsWith("/"))) return true;
  }
  return false;
}

describe("labbook build, interrupted", () => {
  let db: TestDatabase;
  let project: TestProject;
  beforeAll(async () => {
    db = await createTestDatabase("interrupt");
    await seedSmall(db.sql);
    project = await createProject({ databaseUrl: db.url, site: "demo" });
  });
  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it(
    "leaves --out as it was, so the next build succeeds",
    async () => {
      const out = path.join(project.root, "site");
      /** The output directory and any temp directory beside it. */
      const outputs = async () => (await readdir(project.root)).filter((e) => e === "site" || e.startsWith(".site."));
      const run = spawnCli(["build", "--out", out], project.env, project.root);
      // Framework is writing pages and data files when the signal comes.
      expect(await whenReady(() => writing(out), run.done)).toBe(true);
      run.child.kill("SIGINT");
      const interrupted = await run.done;
      expect(interrupted.code, interrupted.stderr).toBe(130);
      expect(await outputs()).toEqual([]);

      const again = await project.cli(["build", "--out", out]);
      expect(again.code, again.stderr).toBe(0);
      expect(existsSync(path.join(out, "index.html"))).toBe(true);
      expect(await outputs()).toEqual(["site"]);
    },
    2 * BUILD_TIMEOUT,
  );
});
