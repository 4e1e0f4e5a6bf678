import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPins, writePins } from "../../loaders/lineage/pins.ts";
import { withPage } from "../util/browser.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createSiteProject, filesUnder, seedSmall, type SiteProject } from "../util/site.ts";
import { snapshot } from "../util/tree.ts";

// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;

/** A built loader output by its name before Framework's content hash, e.g. "trends.json". */
async function built(dist: string, name: string): Promise<string> {
  const dir = path.join(dist, "_file", path.dirname(name));
  const base = path.basename(name, ".json");
  const file = (await filesUnder(dir)).find((f) => !f.includes(path.sep) && f.startsWith(`${base}.`));
  if (!file) throw new Error(`no built ${name} in ${dir}`);
  return readFile(path.join(dir, file), "utf8");
}

/**
 * What a researcher does: pages added to a project as a Markdown file and a `.json.sql` loader each (one of them by
 * `labbook new page`), built by the real `labbook build` with Framework, touching nothing under loaders/ and no
 * config. One project and a few builds serve every assertion.
 */
describe("a report page as a Markdown file and a SQL loader", () => {
  let db: TestDatabase;
  let project: SiteProject;
  let dist: string;
  let first: { rerun: string[]; kept: string[]; pages: string[] };
  let trends: string;
  const src = (file: string) => path.join(project.root, "src", file);
  const build = async () => {
    const result = await project.cli(["build", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as typeof first;
  };

  beforeAll(async () => {
    db = await createTestDatabase("authoring");
    await seedSmall(db.sql);
    project = await createSiteProject(db.url, { src: "empty" });
    dist = path.join(project.root, "dist");
    const ingest = await project.cli(["ingest", "--all", "--json"]);
    expect(ingest.code, ingest.stderr).toBe(0);
    const versions = JSON.parse(ingest.stdout) as { dataset: string; version: string }[];
    await writePins(path.join(project.root, "lineage"), {
      default: Object.fromEntries(versions.map((v) => [v.dataset, v.version])),
    });
    const made = await project.cli(["new", "page", "trends", "--dataset", "behavioral_events", "--json"]);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toEqual({ files: ["src/trends.json.sql", "src/trends.md"] });
    await writeFile(
      src("context.md"),
      '---\ntitle: Places\nsection: Context\n---\n\n```js\nconst rows = FileAttachment("context.json").json();\n```\n\n${rows.length} locations.\n',
    );
    await writeFile(
      src("context.json.sql"),
      "SELECT location, count(*) AS n FROM context_metadata GROUP BY ALL ORDER BY location\n",
    );
    await writeFile(
      src("people.md"),
      '---\ntitle: People\n---\n\n```js\nconst rows = FileAttachment("people.json").json();\n```\n\n${rows.length} people.\n',
    );
    await writeFile(
      src("people.json.sql"),
      'SELECT "userId", count(*) AS events FROM behavioral_events GROUP BY ALL ORDER BY "userId"\n',
    );
    first = await build();
    trends = await built(dist, "trends.json");
  }, 2 * BUILD_TIMEOUT);

  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it("builds the pages, each loader's JSON equal to `labbook sql` of its query over the same pins", async () => {
    expect(first.pages).toEqual(["context.html", "index.html", "people.html", "trends.html"]);
    expect(first.rerun).toEqual(["context.json.sql", "people.json.sql", "trends.json.sql"]);
    const query = await readFile(src("trends.json.sql"), "utf8");
    const sql = await project.cli(["sql", "--json", "--", query]);
    expect(sql.code, sql.stderr).toBe(0);
    expect(JSON.parse(trends)).toEqual(JSON.parse(sql.stdout));
    expect(JSON.parse(trends).length).toBeGreaterThan(3);
  });

  it("files each page in the sidebar from its front matter and gives it a footer of the versions it reads", async () => {
    const pins = (await readPins(path.join(project.root, "lineage"))).default!;
    const home = await readFile(path.join(dist, "index.html"), "utf8");
    expect(home).toMatch(/<a href="\.\/trends">Trends<\/a>/);
    expect(home).toMatch(/Context[\s\S]*<a href="\.\/context">Places<\/a>/);
    const page = await readFile(path.join(dist, "context.html"), "utf8");
    const footer = [...page.matchAll(/data-dataset="([^"]+)" data-version="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(footer).toEqual([["context_metadata", pins.context_metadata]]);
  });

  it("publishes only pseudonyms for a loader that selects userId", async () => {
    const rows = JSON.parse(await built(dist, "people.json")) as { userId: string }[];
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) expect(r.userId).toMatch(/^u-[0-9a-f]{12}$/);
    const raw = (await db.sql`SELECT DISTINCT "userId" AS id FROM "BehavioralEvent"`).map((r) => r.id as string);
    const leaks: string[] = [];
    for (const file of await filesUnder(dist)) {
      const text = await readFile(path.join(dist, file), "latin1");
      for (const id of raw) if (text.includes(id)) leaks.push(`${file}: ${id}`);
    }
    expect(leaks).toEqual([]);
  });

  it("renders the page `labbook new page` wrote in Chromium, with marks drawn and no console error", async () => {
    const drawn = await withPage(dist, "trends", async (page) => {
      await page.waitForSelector("main svg g[aria-label='rect'] rect", { timeout: 20_000 });
      return page.evaluate(() => ({
        bars: document.querySelectorAll("main svg g[aria-label='rect'] rect").length,
        rows: document.querySelectorAll("main table tbody tr").length,
        footer: document.querySelectorAll(".labbook-provenance li[data-version]").length,
      }));
    });
    expect(drawn.bars).toBeGreaterThan(3);
    expect(drawn.rows).toBeGreaterThan(3);
    expect(drawn.footer).toBe(1);
  });

  it(
    "re-runs a SQL loader when its dataset is re-pinned or its SQL edited, a new page's only, and keeps the others",
    async () => {
      const lineageDir = path.join(project.root, "lineage");
      const [row] = await db.sql`SELECT min("timestamp") AS first FROM "ContextMetadata"`;
      const since = new Date((row!.first as Date).getTime() + 1).toISOString();
      const ingest = await project.cli(["ingest", "context_metadata", "--since", since, "--json"]);
      expect(ingest.code, ingest.stderr).toBe(0);
      const [{ version }] = JSON.parse(ingest.stdout);
      const pins = await readPins(lineageDir);
      await writePins(lineageDir, { ...pins, default: { ...pins.default, context_metadata: version } });
      const repinned = await build();
      expect(repinned.rerun).toEqual(["context.json.sql"]);
      expect(repinned.kept).toEqual(["people.json.sql", "trends.json.sql"]);

      // An edit that changes the text, not the result: the loader runs again and prints the same bytes. A page added
      // meanwhile runs only its own loader.
      await writeFile(src("trends.json.sql"), `-- edited\n${await readFile(src("trends.json.sql"), "utf8")}`);
      await writeFile(
        src("added.md"),
        '```js\nconst n = FileAttachment("added.json").json();\n```\n\n${n[0].n} events.\n',
      );
      await writeFile(src("added.json.sql"), "SELECT count(*) AS n FROM behavioral_events\n");
      const edited = await build();
      expect(edited.rerun).toEqual(["added.json.sql", "trends.json.sql"]);
      expect(edited.kept).toEqual(["context.json.sql", "people.json.sql"]);
      expect(await built(dist, "trends.json")).toBe(trends);
    },
    2 * BUILD_TIMEOUT,
  );

  it("fails the build naming the loader, and leaves dist/ as it was, for a file read, an unpinned dataset or ATTACH", async () => {
    const before = await snapshot(dist);
    const cases: [string, RegExp][] = [
      [
        "SELECT * FROM read_csv('/etc/passwd')",
        /^error: src\/bad\.json\.sql: not allowed: the query calls read_csv\(\)$/m,
      ],
      [
        "SELECT count(*) AS n FROM sessions",
        /^error: src\/bad\.json\.sql reads sessions, which pin set "default" does not pin$/m,
      ],
      ["ATTACH 'other.db' AS other", /^error: src\/bad\.json\.sql: not allowed: the query is ATTACH, not SELECT$/m],
    ];
    try {
      for (const [sql, said] of cases) {
        await writeFile(src("bad.json.sql"), sql);
        const result = await project.cli(["build", "--json"]);
        expect(result.code, sql).not.toBe(0);
        expect(result.stderr, sql).toMatch(said);
        expect(await snapshot(dist)).toEqual(before);
      }
    } finally {
      await rm(src("bad.json.sql"), { force: true });
    }
  });

  it(
    "prints a one-line summary, and Framework's line per file only with --verbose",
    async () => {
      const quiet = await project.cli(["build"]);
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stdout).toMatch(
        /^built dist: 5 pages from pin set "default" \(4 datasets\); loaders: 0 run, 4 kept; \d+\.\d s; 1 warning\n$/,
      );
      // The footers link to a lineage page this project does not have: Framework's one warning, passed on.
      expect(quiet.stderr).toMatch(
        /^warning: Framework: \d+ broken links? \(\d+ validated\) \(--verbose shows which\)\n$/,
      );
      const framework = /^(load|build|copy|render|bundle) |Observable Framework/m;
      expect(stripVTControlCharacters(quiet.stderr)).not.toMatch(framework);
      const verbose = await project.cli(["build", "--verbose"]);
      expect(verbose.code, verbose.stderr).toBe(0);
      expect(stripVTControlCharacters(verbose.stderr)).toMatch(/^render \S*trends/m);
      expect(verbose.stderr).toMatch(/^build: pin set "default" ready in .*; loaders to run: none; unchanged: /m);
    },
    2 * BUILD_TIMEOUT,
  );

  it(
    "reports a loader that fails as labbook's error, naming it, without Framework's bug-report hint",
    async () => {
      const before = await snapshot(dist);
      await writeFile(src("boom.md"), '```js\nconst boom = FileAttachment("boom.json").json();\n```\n');
      await writeFile(
        src("boom.json.ts"),
        'import { defineLoader } from "../loaders/site/loader.ts";\n\n' +
          'export default defineLoader({ reads: [] }, async () => {\n  throw new Error("no sample to draw");\n});\n',
      );
      try {
        const result = await project.cli(["build"]);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^error: data loader src\/boom\.json\.ts: no sample to draw$/m);
        expect(result.stderr).not.toMatch(/file an issue|observablehq\/framework\/issues|--debug|Unexpected error/);
        expect(result.stderr).not.toMatch(/^(warning|error): observable build failed/m);
        expect(await snapshot(dist)).toEqual(before);
      } finally {
        await rm(src("boom.md"), { force: true });
        await rm(src("boom.json.ts"), { force: true });
      }
    },
    BUILD_TIMEOUT,
  );

  it("refuses to overwrite a page with `labbook new page`", async () => {
    const page = await readFile(src("trends.md"), "utf8");
    const again = await project.cli(["new", "page", "trends"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("error: labbook new page: src/trends.json.sql and src/trends.md exist");
    expect(await readFile(src("trends.md"), "utf8")).toBe(page);
  });
});
