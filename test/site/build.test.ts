import { readFile, stat, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { siteLoaders } from "../../loaders/site/manifest.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createSiteProject, filesUnder, pageDataFiles, seedSmall, type SiteProject } from "../util/site.ts";

// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;

const MB = 1_000_000;

/** `labbook build` of the demo site in a throwaway project against a small seeded database. */
describe("labbook build", () => {
  let db: TestDatabase;
  let project: SiteProject;
  let dist: string;
  let first: Record<string, unknown>;
  const userIds: string[] = [];
  const protocolIds: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase("site");
    await seedSmall(db.sql);
    for (const table of ["BehavioralEvent", "ExperimentProtocol", "ContextMetadata"]) {
      const rows = await db.sql`SELECT DISTINCT "userId" AS id FROM ${db.sql(table)}`;
      for (const r of rows) if (!userIds.includes(r.id as string)) userIds.push(r.id as string);
    }
    for (const r of await db.sql`SELECT id FROM "ExperimentProtocol" ORDER BY id`) protocolIds.push(r.id as string);
    project = await createSiteProject(db.url);
    dist = path.join(project.root, "out");
    const result = await project.cli(["build", "--out", dist, "--json"]);
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    first = JSON.parse(result.stdout);
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it("ingests, pins `default` and builds on a project with no pins", async () => {
    expect(first).toMatchObject({ pinSet: "default", preparation: { action: "created", seeded: false } });
    const pins = JSON.parse(await readFile(path.join(project.root, "lineage", "pins.json"), "utf8"));
    expect(Object.keys(pins.default).sort()).toEqual([
      "behavioral_events",
      "context_metadata",
      "experiment_protocols",
      "phase_assignments",
    ]);
    expect(first.rerun).toEqual(siteLoaders.map((l) => l.name));
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
    const password = decodeURIComponent(new URL(db.url).password);
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
    const protocols: { participant: string }[] = JSON.parse(await readFile(path.join(dir, index), "utf8"));
    expect(protocols.length).toBe(protocolIds.length);
    for (const p of protocols) expect(p.participant).toMatch(/^u-[0-9a-f]{12}$/);
  });

  it(
    "re-runs only the build stamp when nothing changed",
    async () => {
      const again = await project.cli(["build", "--out", dist, "--json"]);
      expect(again.code).toBe(0);
      const result = JSON.parse(again.stdout);
      expect(result.preparation).toEqual({ action: "ready" });
      expect(result.rerun).toEqual(siteLoaders.filter((l) => l.volatile).map((l) => l.name));
      expect(result.kept).toEqual(siteLoaders.filter((l) => !l.volatile).map((l) => l.name));
      expect(result.kept).toContain("events");
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
