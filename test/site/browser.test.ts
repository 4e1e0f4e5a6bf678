import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  analyzeSeries,
  CHANGE_FEATURES,
  isComputed,
  type NotComputed,
  type SeriesPoint,
  type VisualAnalysis,
} from "../../loaders/analysis/index.ts";
import { projectRoot } from "../../loaders/config.ts";
import type { ProtocolResult } from "../../loaders/experiments/analyze.ts";
import { forPage, type ProtocolPage } from "../../loaders/site/experiments.ts";
import { launchBrowser, watchPage } from "../util/browser.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { serveStatic } from "../util/serve.ts";
import { seedSmall } from "../util/site.ts";
import { createProject, type TestProject } from "../util/project.ts";

// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;

const SHOTS = path.join(projectRoot, "test-results", "site");
// Plot marks that draw data (axes, grids and frames do not count).
const DATA_MARKS = ["area", "bar", "cell", "dot", "line", "link", "rect", "text"];

interface PageReport {
  errors: string[];
  charts: { marks: number; label: string }[];
  tables: number[];
  /** Table cells whose content is wider than their box (cut off), as "row: text". */
  overflowing: string[];
  footer: { dataset: string; version: string; text: string }[];
}

/** Opens a page, waits for its last cell (the footer) and reports what rendered. */
async function inspect(context: BrowserContext, url: string): Promise<{ page: Page; report: PageReport }> {
  const page = await context.newPage();
  const errors = watchPage(page, new URL(url).origin);
  await page.goto(url, { waitUntil: "networkidle" });
  await page.waitForSelector(".labbook-provenance li", { timeout: 20_000 });
  await page.waitForLoadState("networkidle");
  const rendered = await page.evaluate((dataMarks) => {
    const main = document.querySelector("main")!;
    const charts = [...main.querySelectorAll("svg")]
      .filter((svg) => svg.querySelector(":scope > g[aria-label]"))
      .map((svg) => ({
        label: svg.getAttribute("class") ?? "svg",
        marks: [...svg.querySelectorAll(":scope > g[aria-label]")]
          .filter((g) => dataMarks.includes(g.getAttribute("aria-label")!))
          .reduce((n, g) => n + g.childElementCount, 0),
      }));
    const tables = [...main.querySelectorAll("table")].map((t) => t.querySelectorAll("tbody tr").length);
    const overflowing = [...main.querySelectorAll("table td, table th")]
      .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
      .map((cell) => `${cell.scrollWidth} > ${cell.clientWidth}: ${(cell as HTMLElement).innerText}`);
    const footer = [...document.querySelectorAll(".labbook-provenance li[data-version]")].map((li) => ({
      dataset: li.getAttribute("data-dataset")!,
      version: li.getAttribute("data-version")!,
      text: (li as HTMLElement).innerText,
    }));
    const failed = [...main.querySelectorAll(".observablehq--error")].map((e) => `cell error: ${e.textContent}`);
    return { charts, tables, overflowing, footer, failed };
  }, DATA_MARKS);
  return { page, report: { errors: [...errors, ...rendered.failed], ...rendered } };
}

/**
 * Every page of the built demo site in headless Chromium, served from 127.0.0.1: no console errors, charts with
 * marks, tables with rows, and a footer naming the pinned versions. Screenshots go to test-results/site/.
 */
describe("the built site in a browser", () => {
  let db: TestDatabase;
  let project: TestProject;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let pages: string[];
  let pins: Record<string, string>;

  beforeAll(async () => {
    browser = await launchBrowser();
    context = browser.context;
    db = await createTestDatabase("browser");
    // With the two multiple-baseline protocols `labbook seed` plants: enough users without an ABAB protocol and days.
    await seedSmall(db.sql, { multipleBaseline: true, users: 20, days: 50, events: 8000 });
    // As if exported early on its last day: that day keeps only its first minute of events, which the events page
    // marks partial.
    await db.sql`DELETE FROM "BehavioralEvent" WHERE "timestamp" > (SELECT min("timestamp") + interval '1 minute'
      FROM "BehavioralEvent" WHERE "timestamp" >= (SELECT date_trunc('day', max("timestamp")) FROM "BehavioralEvent"))`;
    project = await createProject({ databaseUrl: db.url, site: "demo" });
    const build = await project.cli(["build", "--json"]);
    expect(build.stderr).not.toMatch(/^error/m);
    expect(build.code).toBe(0);
    pages = JSON.parse(build.stdout).pages;
    pins = JSON.parse(await readFile(path.join(project.root, "lineage", "pins.json"), "utf8")).default;
    server = await serveStatic(path.join(project.root, "dist"));
    await mkdir(SHOTS, { recursive: true });
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await project?.remove();
    await db?.drop();
  });

  it(
    "renders every page without errors, with marks in every chart and rows in every table",
    async () => {
      expect(pages.length).toBeGreaterThan(4);
      for (const file of pages) {
        const route = file.replace(/(^|\/)index\.html$/, "$1").replace(/\.html$/, "");
        const { page, report } = await inspect(context, `${server.url}/${route}`);
        await page.screenshot({ path: path.join(SHOTS, `${file.replace(/\W+/g, "_")}.png`), fullPage: true });
        await page.close();
        expect(report.errors, file).toEqual([]);
        for (const chart of report.charts) expect(chart.marks, `${file}: ${chart.label}`).toBeGreaterThan(0);
        for (const rows of report.tables) expect(rows, `${file}: a table`).toBeGreaterThan(0);
        // No cell is cut off: each one's content fits its box (cells wrap), at a 1280-pixel-wide window.
        expect(report.overflowing, `${file}: cells cut off`).toEqual([]);
        // The footer names pinned versions, each exactly as pinned, with its short hash shown.
        expect(report.footer.length, file).toBeGreaterThan(0);
        for (const f of report.footer) {
          expect(f.version, `${file}: ${f.dataset}`).toBe(pins[f.dataset]);
          expect(f.text).toContain(f.version.slice(7, 19));
        }
      }
    },
    BUILD_TIMEOUT,
  );

  it("shows the expected charts and tables on the main pages", async () => {
    const expectations: Record<string, { charts: number; tables: number; footer: number }> = {
      "": { charts: 0, tables: 1, footer: Object.keys(pins).length },
      events: { charts: 5, tables: 0, footer: 1 },
      "experiments/": { charts: 0, tables: 1, footer: 4 },
      lineage: { charts: 1, tables: 1, footer: Object.keys(pins).length },
    };
    const protocol = await singleProtocolPage();
    expectations[protocol.replace(/\.html$/, "")] = { charts: 1, tables: 1, footer: 4 };
    for (const [route, want] of Object.entries(expectations)) {
      const { page, report } = await inspect(context, `${server.url}/${route}`);
      await page.close();
      expect(report.charts.length, route).toBeGreaterThanOrEqual(want.charts);
      expect(report.tables.length, route).toBeGreaterThanOrEqual(want.tables);
      expect(report.footer.length, route).toBe(want.footer);
    }
  });

  it("marks a last day whose data ends earlier in the day than on any other day as partial, and no other", async () => {
    const dir = path.join(project.root, "dist", "_file", "events");
    const file = (await readdir(dir)).find((f) => f.startsWith("per-day.") && f.endsWith(".json"))!;
    const rows = JSON.parse(await readFile(path.join(dir, file), "utf8")) as { date: string; lastSecond: number }[];
    const last = rows
      .map((r) => r.date)
      .sort()
      .at(-1)!;
    const lastSecond = rows.find((r) => r.date === last)!.lastSecond;
    // The data ends a minute into its last day (see beforeAll), earlier than any other day's last event.
    expect(rows.filter((r) => r.date !== last).every((r) => r.lastSecond > lastSecond)).toBe(true);
    const clock = new Date(lastSecond * 1000).toISOString().slice(11, 16);
    const { page, report } = await inspect(context, `${server.url}/events`);
    expect(report.errors).toEqual([]);
    const labels = await page.locator("g.labbook-partial-day text").allTextContents();
    expect(labels).toEqual([`partial (until ${clock} UTC)`]);
    await page.close();
  });

  it("shows a version's lineage record when its node is clicked", async () => {
    const { page, report } = await inspect(context, `${server.url}/lineage`);
    expect(report.errors).toEqual([]);
    const version = pins.behavioral_events!;
    await page.locator(`rect[data-node="version:${version}"]`).click();
    const record = page.locator("pre.labbook-record");
    await expect.poll(() => record.textContent(), { timeout: 10_000 }).toContain(`"datasetVersion": "${version}"`);
    await page.screenshot({ path: path.join(SHOTS, "lineage_selected.png"), fullPage: true });
    await page.close();
  });

  it("downloads each table as CSV, made in the page from the rows it shows", async () => {
    for (const route of ["", "experiments/", "lineage", "quality"]) {
      const { page, report } = await inspect(context, `${server.url}/${route}`);
      expect(report.errors, route).toEqual([]);
      const figures = page.locator("figure.labbook-table-figure");
      expect(await figures.count(), route).toBeGreaterThan(0);
      for (let k = 0; k < (await figures.count()); k++) {
        const figure = figures.nth(k);
        const shown = await figure.locator("tbody tr").count();
        // Nothing is fetched: the file is a blob made from the page's data.
        const requests: string[] = [];
        page.on("request", (r) => requests.push(r.url()));
        const [download] = await Promise.all([page.waitForEvent("download"), figure.locator("a.labbook-csv").click()]);
        expect(download.url()).toMatch(/^blob:/);
        expect(requests.filter((u) => !u.startsWith("blob:"))).toEqual([]);
        const csv = await readFile((await download.path())!, "utf8");
        const [header, ...lines] = parseCsv(csv);
        expect(lines, `${route}: ${download.suggestedFilename()}`).toHaveLength(shown);
        // Every column the table shows (a CSV may hold more, such as a protocol's end date beside its dates).
        expect(header!.length, route).toBeGreaterThanOrEqual((await figure.locator("thead th").count()) - 1);
        // The first column holds each row's value as the table shows it.
        const cells = await figure.locator("tbody tr td:nth-child(2)").allInnerTexts();
        const firstValues = lines.map((l) => l[0]);
        expect(new Set(firstValues), route).toEqual(new Set(cells.map((c) => c.trim())));
      }
      await page.close();
    }
  });

  it("weighs every test in the verdict: the text changes when the tests disagree, and names the study's phases", async () => {
    const protocol = await singleProtocolPage();
    const route = protocol.replace(/\.html$/, "");
    const id = path.basename(route);
    const verdictOf = async (page: Page) => (await page.locator("p.interpretation").innerText()).trim();

    const { page, report } = await inspect(context, `${server.url}/${route}`);
    expect(report.errors).toEqual([]);
    const built = await verdictOf(page);
    // The legend shows the design's phase types and no other.
    const json = JSON.parse(
      await readFile(path.join(project.root, "dist", "_file", "data", "experiments", await fileOf(id)), "utf8"),
    ) as ProtocolPage;
    const swatches = await page.locator('[class*="-swatch"]:not([class*="-swatches"])').allInnerTexts();
    expect(swatches.map((t) => t.trim()).sort()).toEqual([...new Set(json.phases.map((p) => p.type))].sort());
    await page.close();

    // The same page over a fixture in which the regression finds a step the randomization test cannot confirm: 8
    // days per phase leave 7 possible start points, so its p cannot go below 1/7.
    const low = [50, 52, 49, 51, 50, 52, 51, 49];
    const series: SeriesPoint[] = [...low, ...low.map((v) => v + 20)].map((value, i) => ({
      date: `2025-03-${String(i + 1).padStart(2, "0")}`,
      day: i,
      value,
      phaseLabel: i < 8 ? "baseline_1" : "intervention_A_1",
      phaseType: i < 8 ? "BASELINE" : "INTERVENTION_A",
    }));
    const analysis = analyzeSeries(series);
    const fixture: ProtocolPage = {
      ...json,
      phases: [
        {
          userId: null,
          label: "baseline_1",
          type: "BASELINE",
          start: "2025-03-01",
          end: "2025-03-09",
          plannedDuration: 8,
        },
        {
          userId: null,
          label: "intervention_A_1",
          type: "INTERVENTION_A",
          start: "2025-03-09",
          end: "2025-03-17",
          plannedDuration: 8,
        },
      ],
      series: series.map((p) => ({ ...p, events: 1 })),
      mismatches: [],
      analysis: forPage(analysis),
    };
    const disagreeing = await context.newPage();
    const errors = watchPage(disagreeing, server.url);
    await disagreeing.route(new RegExp(`/_file/data/experiments/${id}\\.[^/]*json$`), (r) =>
      r.fulfill({ contentType: "application/json", body: JSON.stringify(fixture) }),
    );
    await disagreeing.goto(`${server.url}/${route}`, { waitUntil: "networkidle" });
    await disagreeing.waitForSelector("p.interpretation");
    const verdict = await verdictOf(disagreeing);
    expect(verdict).not.toBe(built);
    expect(verdict).toBe(analysis.interpretation);
    expect(verdict).toMatch(/gives p = 0\.1429: the data are compatible with no intervention effect/);
    expect(verdict).toMatch(/finds a level intervention_A_1 change of \+\d+\.\d{2} \(p < 0\.0001\)/);
    expect(verdict).toMatch(/The two disagree: /);
    // The regression table names the terms after the phases and prints the tiny p as "< 0.0001".
    const terms = disagreeing.locator("figure.labbook-table-figure").filter({ hasText: "What it means" }).last();
    expect(await terms.locator("tbody tr td:nth-child(2)").allInnerTexts()).toEqual([
      "intercept",
      "trend",
      "level intervention_A_1",
      "slope intervention_A_1",
    ]);
    expect((await terms.innerText()).replace(/\u00a0/g, " ")).toContain("< 0.0001");
    // The legend follows the fixture's design: two phase types.
    const swatches2 = await disagreeing.locator('[class*="-swatch"]:not([class*="-swatches"])').allInnerTexts();
    expect(swatches2.map((t) => t.trim())).toEqual(["BASELINE", "INTERVENTION_A"]);
    await disagreeing.screenshot({ path: path.join(SHOTS, "protocol_disagreeing.png"), fullPage: true });
    await disagreeing.close();
    expect(errors).toEqual([]);
  });

  it("draws a multiple-baseline protocol as one panel per participant, with its tables, forest plot and BC-SMD", async () => {
    const mbPages = [];
    for (const file of protocolPages()) {
      const json = await pageData(file);
      if (json.multipleBaseline) mbPages.push({ file, json });
    }
    // The two `labbook seed` plants: four participants and three.
    expect(mbPages.map((p) => p.json.multipleBaseline!.participants.length).sort()).toEqual([3, 4]);
    for (const { file, json } of mbPages) {
      const mb = json.multipleBaseline!;
      const route = file.replace(/\.html$/, "");
      const { page, report } = await inspect(context, `${server.url}/${route}`);
      expect(report.errors, route).toEqual([]);
      const figure = page.locator("svg.labbook-mb-figure");
      expect(await figure.count()).toBe(1);
      // One panel per participant, named on the panel axis, in the order their interventions start.
      const panels = await figure.locator('g[aria-label="fy-axis tick label"] text').allTextContents();
      expect(panels).toEqual(mb.participants.map((p) => p.participant));
      // Each panel has its participant's days drawn as dots, and a phase-change line.
      const dotsPerPanel = await figure
        .locator('g[aria-label="dot"] > g')
        .evaluateAll((groups) => groups.map((g) => g.childElementCount));
      expect(dotsPerPanel).toEqual(mb.participants.map((p) => p.series.length));
      expect(dotsPerPanel.every((n) => n > 0)).toBe(true);
      const linesPerPanel = await figure
        .locator('g[aria-label="rule"] > g')
        .evaluateAll((groups) => groups.map((g) => g.childElementCount));
      expect(linesPerPanel).toEqual(mb.participants.map(() => 1));
      // The staggered starts: each panel's line stands further right than the one above it.
      const xs = await figure
        .locator('g[aria-label="rule"] > g line')
        .evaluateAll((lines) => lines.map((l) => Number(l.getAttribute("x1"))));
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(new Set(xs).size).toBe(xs.length);
      // The per-participant table, the pooled effects, and the BC-SMD as analyze gives it.
      const participantRows = page.locator("figure.labbook-table-figure").filter({ hasText: "Baseline days" });
      expect(await participantRows.locator("tbody tr").count()).toBe(mb.participants.length);
      const g = mb.analysis.bcSmd;
      if ("notComputed" in g) throw new Error(`BC-SMD not computed: ${g.notComputed}`);
      const bc = page.locator("figure.labbook-table-figure").filter({ hasText: "small-sample corrected" });
      expect((await bc.locator("tbody tr td:nth-child(2)").innerText()).trim()).toBe(g.estimate.toFixed(3));
      // The forest plot: a dot per participant and one per pooled estimate.
      const forest = page.locator("svg").filter({ hasText: "pooled, equal weights" });
      expect(await forest.count()).toBe(1);
      const forestDots = await forest.locator('g[aria-label="dot"] > *').count();
      expect(forestDots).toBeGreaterThan(mb.participants.length);
      await page.screenshot({ path: path.join(SHOTS, `protocol_mb_${mb.participants.length}.png`), fullPage: true });
      await page.close();
    }
  });

  it("reads every protocol page's visual analysis, every feature at every phase change, as `labbook analyze` gives it", async () => {
    const cli = await project.cli(["analyze", "--all", "--json"]);
    expect(cli.code, cli.stderr).toBe(0);
    const analyzed = new Map((JSON.parse(cli.stdout).protocols as ProtocolResult[]).map((r) => [r.id, r]));
    const files = protocolPages();
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const r = analyzed.get(path.basename(file, ".html"))!;
      const route = file.replace(/\.html$/, "");
      const { page, report } = await inspect(context, `${server.url}/${route}`);
      expect(report.errors, route).toEqual([]);
      // The section comes after the per-phase summary and before the effect sizes, and holds the blocks.
      const order = await page.evaluate(() => {
        const at = (node: Element | null) => (node ? [...document.querySelectorAll("main *")].indexOf(node) : -1);
        return {
          summary: at(document.querySelector("h2#per-phase-summary")),
          visual: at(document.querySelector("h2#visual-analysis")),
          first: at(document.querySelector(".labbook-visual, .labbook-visual-participant")),
          effects: at(document.querySelector("h2#effect-sizes")),
        };
      });
      expect(order.summary, route).toBeGreaterThan(-1);
      expect([order.summary, order.visual, order.first, order.effects], route).toEqual(
        [order.summary, order.visual, order.first, order.effects].sort((a, b) => a - b),
      );
      const mb = r.multipleBaseline;
      if (mb) {
        // The protocol as a whole says its aids are per participant; the page shows one block per participant,
        // collapsed, in the analysis's order (pseudonyms on the page, user ids in the local output).
        expect(r.analysis.visual).toEqual({ notComputed: expect.stringMatching(/^computed per participant: /) });
        const blocks = page.locator("details.labbook-visual-participant");
        expect(await blocks.count(), route).toBe(mb.analysis.participants.length);
        for (let k = 0; k < mb.analysis.participants.length; k++) {
          const block = blocks.nth(k);
          expect(await block.getAttribute("open")).toBeNull();
          expect(await shownVisual(block), `${route}, participant ${k + 1}`).toEqual(
            expectedVisual(mb.analysis.participants[k]!.visual),
          );
        }
        // Opening one shows its phase change.
        await blocks.first().locator("summary").click();
        await expect.poll(() => blocks.first().locator("section[data-change]").isVisible()).toBe(true);
        await blocks.first().screenshot({ path: path.join(SHOTS, `visual_mb_${mb.participants.length}.png`) });
      } else {
        await page.locator("div.labbook-visual").screenshot({ path: path.join(SHOTS, `visual_${r.id}.png`) });
        const expected = expectedVisual(r.analysis.visual);
        // A block for every phase change in the series: each run of a label after the first starts one.
        const starts = r.series.filter((p, i) => i > 0 && p.phaseLabel !== r.series[i - 1]!.phaseLabel);
        expect(starts.length, route).toBeGreaterThan(0);
        expect(
          expected.changes.map((c) => c.change.split("→")[1]),
          route,
        ).toEqual(starts.map((p) => p.phaseLabel));
        expect(await shownVisual(page.locator("div.labbook-visual")), route).toEqual(expected);
      }
      await page.close();
    }
  });

  /** The built protocol pages. */
  function protocolPages(): string[] {
    return pages.filter((p) => /^experiments\/(?!index|summary)[^/]+\.html$/.test(p));
  }

  /** A protocol page of one participant (not a multiple-baseline one). */
  async function singleProtocolPage(): Promise<string> {
    for (const file of protocolPages()) if (!(await pageData(file)).multipleBaseline) return file;
    throw new Error("no single-participant protocol page was built");
  }

  /** The built data of a protocol page. */
  async function pageData(file: string): Promise<ProtocolPage> {
    const id = path.basename(file, ".html");
    return JSON.parse(
      await readFile(path.join(project.root, "dist", "_file", "data", "experiments", await fileOf(id)), "utf8"),
    ) as ProtocolPage;
  }

  /** The built data file of a protocol page, `<id>.<hash>.json`. */
  async function fileOf(protocolId: string): Promise<string> {
    const dir = path.join(project.root, "dist", "_file", "data", "experiments");
    return (await readdir(dir)).find((f) => f.startsWith(`${protocolId}.`) && f.endsWith(".json"))!;
  }
});

/** What a protocol page's visual analysis shows: per phase change and for consistency, each feature's row. */
interface ShownVisual {
  changes: { change: string; heading: string; features: Record<string, ShownFeature> }[];
  consistency: Record<string, ShownFeature>;
}
interface ShownFeature {
  value: string;
  finding: string;
  /** Whether the row says what the feature means. */
  explained: boolean;
}

/** The visual-analysis blocks inside a container, read from the DOM hooks the page gives them. */
async function shownVisual(container: Locator): Promise<ShownVisual> {
  return container.evaluate((root) => {
    const features = (scope: Element) =>
      Object.fromEntries(
        [...scope.querySelectorAll("[data-feature]")].map((f) => [
          f.getAttribute("data-feature")!,
          {
            value: f.querySelector(".labbook-visual-value")!.textContent!,
            finding: f.querySelector(".labbook-visual-finding")!.textContent!,
            explained: (f.querySelector(".labbook-visual-meaning")?.textContent ?? "").length > 40,
          },
        ]),
      );
    return {
      changes: [...root.querySelectorAll("section[data-change]")].map((s) => ({
        change: s.getAttribute("data-change")!,
        heading: s.querySelector("h3")!.textContent!,
        features: features(s),
      })),
      consistency: features(root.querySelector(".labbook-visual-consistency")!),
    };
  });
}

/**
 * What the page must show for an analysis from `labbook analyze --json`: the analysis's own sentence for each
 * feature (its "Level: " said by the row's name), and its number as the row's headline.
 */
function expectedVisual(visual: VisualAnalysis | NotComputed): ShownVisual {
  if (!isComputed(visual)) throw new Error(`visual analysis not computed: ${visual.notComputed}`);
  const fixed = (x: number | null, digits = 1) =>
    x === null ? "—" : (Math.abs(x) < 0.5 * 10 ** -digits ? 0 : x).toFixed(digits);
  const signed = (x: number, digits = 1) => `${x > 0 ? "+" : ""}${fixed(x, digits)}`;
  const slope = (x: number | null) => (x === null ? "—" : signed(x, 2));
  const row = (name: string, value: string, text: string): ShownFeature => {
    expect(text.startsWith(`${name[0]!.toUpperCase()}${name.slice(1)}: `), text).toBe(true);
    return { value, finding: text.slice(name.length + 2), explained: true };
  };
  return {
    changes: visual.changes.map((c) => {
      const values: Record<(typeof CHANGE_FEATURES)[number], string> = {
        level: signed(c.level.value.change),
        trend: `${slope(c.trend.value.from)} → ${slope(c.trend.value.to)} per day`,
        variability: `SD ${fixed(c.variability.value.from)} → ${fixed(c.variability.value.to)}`,
        immediacy: signed(c.immediacy.value.change),
        overlap: `${Math.round(100 * c.overlap.value.share)}%`,
      };
      return {
        change: `${c.from}→${c.to}`,
        heading: `${c.from} → ${c.to}`,
        features: Object.fromEntries(CHANGE_FEATURES.map((f) => [f, row(f, values[f], c[f].text)])),
      };
    }),
    consistency: {
      consistency: row(
        "consistency",
        visual.consistency.value.consistent ? "consistent" : "not consistent",
        visual.consistency.text,
      ),
    },
  };
}

/** RFC 4180 CSV as rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ",") {
      row.push(field);
      field = "";
    } else if (!quoted && c === "\r" && text[i + 1] === "\n") {
      rows.push([...row, field]);
      row = [];
      field = "";
      i++;
    } else {
      field += c;
    }
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}
