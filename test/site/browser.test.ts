import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../loaders/config.ts";
import { launchBrowser, watchPage } from "../util/browser.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { serveStatic } from "../util/serve.ts";
import { createSiteProject, seedSmall, type SiteProject } from "../util/site.ts";

// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;

const SHOTS = path.join(projectRoot, "test-results", "site");
// Plot marks that draw data (axes, grids and frames do not count).
const DATA_MARKS = ["area", "bar", "cell", "dot", "line", "link", "rect", "text"];

interface PageReport {
  errors: string[];
  charts: { marks: number; label: string }[];
  tables: number[];
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
    const footer = [...document.querySelectorAll(".labbook-provenance li[data-version]")].map((li) => ({
      dataset: li.getAttribute("data-dataset")!,
      version: li.getAttribute("data-version")!,
      text: (li as HTMLElement).innerText,
    }));
    const failed = [...main.querySelectorAll(".observablehq--error")].map((e) => `cell error: ${e.textContent}`);
    return { charts, tables, footer, failed };
  }, DATA_MARKS);
  return { page, report: { errors: [...errors, ...rendered.failed], ...rendered } };
}

/**
 * Every page of the built demo site in headless Chromium, served from 127.0.0.1: no console errors, charts with
 * marks, tables with rows, and a footer naming the pinned versions. Screenshots go to test-results/site/.
 */
describe("the built site in a browser", () => {
  let db: TestDatabase;
  let project: SiteProject;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let pages: string[];
  let pins: Record<string, string>;

  beforeAll(async () => {
    browser = await launchBrowser();
    context = browser.context;
    db = await createTestDatabase("browser");
    await seedSmall(db.sql);
    project = await createSiteProject(db.url);
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
      "experiments/": { charts: 0, tables: 1, footer: 3 },
      lineage: { charts: 1, tables: 1, footer: Object.keys(pins).length },
    };
    const protocol = pages.find((p) => /^experiments\/(?!index|summary)[^/]+\.html$/.test(p))!;
    expectations[protocol.replace(/\.html$/, "")] = { charts: 1, tables: 1, footer: 3 };
    for (const [route, want] of Object.entries(expectations)) {
      const { page, report } = await inspect(context, `${server.url}/${route}`);
      await page.close();
      expect(report.charts.length, route).toBeGreaterThanOrEqual(want.charts);
      expect(report.tables.length, route).toBeGreaterThanOrEqual(want.tables);
      expect(report.footer.length, route).toBe(want.footer);
    }
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
});
