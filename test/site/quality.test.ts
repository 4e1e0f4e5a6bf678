import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePins } from "../../loaders/lineage/pins.ts";
import { planDefects } from "../../loaders/seed/defects.ts";
import { planStudy } from "../../loaders/seed/plan.ts";
import { STATUS_FILLS } from "../../src/components/quality-status.ts";
import { withPage } from "../util/browser.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { filesUnder, ingestAndDerive, seedSmall, SMALL_SEED } from "../util/site.ts";
import { createProject, type TestProject } from "../util/project.ts";

const defectsOptions = { ...SMALL_SEED, defects: true };

// Two ingests and two builds, each running Framework and every loader: generous on a shared 2-core machine.
const SETUP_TIMEOUT = 600_000;

/** The quality page in a browser, built once from versions with the seeded defects and once from clean ones. */
describe("the quality page", () => {
  let db: TestDatabase;
  let project: TestProject;
  const userIds = new Set<string>();
  const pinned: Record<string, Record<string, string>> = {};
  const dist = (set: string) => path.join(project.root, `dist-${set}`);

  async function ingestAndPin(set: string, args: string[], earlier?: Record<string, string>) {
    return [set, await ingestAndDerive(project, args, earlier)] as const;
  }

  async function collectUserIds() {
    for (const r of await db.sql`SELECT DISTINCT "userId" AS id FROM "BehavioralEvent"`) userIds.add(r.id as string);
  }

  beforeAll(async () => {
    db = await createTestDatabase("qpage");
    project = await createProject({ databaseUrl: db.url, site: "demo" });
    // Clean first: the defects version is then compared with it, and the clean one is a first version.
    await seedSmall(db.sql, { defects: false });
    await collectUserIds();
    const clean = await ingestAndPin("clean", []);
    await seedSmall(db.sql, { defects: true });
    await collectUserIds();
    // Validation skipped, so the out-of-range score reaches the version and its check.
    // The pipeline refuses the defects (events_dedup keeps the schema's score range): the derived datasets keep the
    // clean versions, as `labbook pin defects --all` after the failed run would pin them.
    const defects = await ingestAndPin("defects", ["--no-validate"], clean[1]);
    Object.assign(pinned, Object.fromEntries([defects, clean]));
    await writePins(path.join(project.root, "lineage"), pinned);
    refused = await project.cli(["build", "--out", dist("defects")], { LABBOOK_PINS: "defects" });
    const allowed = await project.cli(["build", "--out", dist("defects"), "--allow-failing-checks"], {
      LABBOOK_PINS: "defects",
    });
    expect(allowed.code, allowed.stderr).toBe(0);
    const build = await project.cli(["build", "--out", dist("clean")], { LABBOOK_PINS: "clean" });
    expect(build.code, build.stderr).toBe(0);
  }, SETUP_TIMEOUT);

  let refused: Awaited<ReturnType<TestProject["cli"]>>;
  const FAILING = [
    "duplicate_count(userId,eventType,timestamp,eventData)",
    "in_range(sessionPerformanceScore)",
    "no_gaps(timestamp by userId)",
    "relationships(userId,experimentPhase->phase_assignments)",
  ];

  it("refuses to publish a pin set with failing error checks, naming dataset, version and check", () => {
    expect(refused.code).toBe(1);
    const short = pinned.defects!.behavioral_events!.slice(7, 19);
    for (const check of FAILING) expect(refused.stderr).toContain(`behavioral_events@${short} ${check}`);
    expect(refused.stderr).toContain("--allow-failing-checks");
  });

  it("allowed through, puts a banner naming the failing checks on every page, and stamps the provenance", async () => {
    const pages = (await filesUnder(dist("defects"))).filter((f) => f.endsWith(".html"));
    expect(pages.length).toBeGreaterThan(4);
    for (const file of pages) {
      const html = await readFile(path.join(dist("defects"), file), "utf8");
      expect(html, file).toContain('class="labbook-failing-checks"');
    }
    for (const page of ["index", "events", "quality"])
      await withPage(dist("defects"), page, async (p) => {
        const banner = p.locator(".labbook-failing-checks");
        await expect(banner.isVisible(), page).resolves.toBe(true);
        const named = await banner.locator("li").evaluateAll((els) => els.map((e) => e.getAttribute("data-check")));
        expect(named.sort()).toEqual(FAILING);
        await p.waitForSelector(".labbook-provenance-failing");
      });
    const clean = await readFile(path.join(dist("clean"), "index.html"), "utf8");
    expect(clean).not.toContain("labbook-failing-checks");
    const provenance = await filesUnder(dist("defects")).then((files) =>
      files.filter((f) => /^_file\/data\/provenance\.[0-9a-f]+\.json$/.test(f)),
    );
    const stamp = JSON.parse(await readFile(path.join(dist("defects"), provenance[0]!), "utf8"));
    expect(stamp.failingChecks.map((f: { check: string }) => f.check).sort()).toEqual(FAILING);
  });

  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it("shows the failing checks of the seeded defects, with their failing rows", async () => {
    const plan = planDefects(planStudy(defectsOptions), defectsOptions);
    await withPage(dist("defects"), "quality", async (page) => {
      await page.waitForSelector(".labbook-provenance");
      const failing = await page
        .locator(".labbook-failing")
        .evaluateAll((els) => els.map((e) => `${e.getAttribute("data-dataset")} ${e.getAttribute("data-check")}`));
      // Warnings too: the planted low-volume day, and history changed against the clean version before it.
      expect(failing.sort()).toEqual(
        [...FAILING, "settled_rows_changed(timestamp)", "volume_anomaly(timestamp)"].map(
          (c) => `behavioral_events ${c}`,
        ),
      );
      expect(await page.locator('table.labbook-checks tr[data-status="fail"]').count()).toBe(4);
      expect(await page.locator('table.labbook-checks tr[data-status="warn"]').count()).toBe(2);
      const text = await page.locator("main").innerText();
      expect(text).toContain("baseline_9");
      expect(text).toContain(plan.gap!.date);
      expect(text).toContain("140");
      expect(text).not.toContain("Every check passes");
      for (const id of userIds) expect(text).not.toContain(id);
    });
  });

  it("shows every check passing on clean data", async () => {
    await withPage(dist("clean"), "quality", async (page) => {
      await page.waitForSelector(".labbook-provenance");
      await expect(page.locator(".labbook-quality-ok").innerText()).resolves.toContain("Every check passes");
      expect(await page.locator(".labbook-failing").count()).toBe(0);
      expect(await page.locator('table.labbook-checks tr[data-status="pass"]').count()).toBeGreaterThan(20);
      expect(await page.locator('tr[data-status="fail"], tr[data-status="warn"]').count()).toBe(0);
    });
  });

  it("shows each pinned version's drift against the version before it, and the checks across versions", async () => {
    await withPage(dist("defects"), "quality", async (page) => {
      await page.waitForSelector(".labbook-provenance");
      const panel = page.locator('.labbook-drift[data-dataset="behavioral_events"]');
      // The defects version was ingested after the clean one, so the clean one is what it is compared with.
      await expect(panel.getAttribute("data-against")).resolves.toBe(pinned.clean!.behavioral_events);
      const drift = page.locator('table.labbook-drift-checks[data-dataset="behavioral_events"] tbody tr');
      const rows = await drift.evaluateAll((els) => els.map((e) => [e.dataset.check, e.dataset.status]));
      expect(rows.map(([check]) => check!.replace(/\(.*/, "")).sort()).toEqual([
        "category_shift",
        "distribution_shift",
        "null_rate_change",
        "row_count_change",
        "settled_rows_changed",
      ]);
      expect(rows).toContainEqual(["settled_rows_changed(timestamp)", "warn"]);
      // Both versions drawn in each chart: two series of bars per chart.
      for (const chart of ["distribution behavioral_events", "categories behavioral_events"]) {
        const svg = page.locator(`svg[aria-label^="${chart}"]`).first();
        const bars = await svg.locator("rect").count();
        expect(bars, chart).toBeGreaterThan(2);
        const text = await svg.innerHTML();
        expect(text, chart).toContain("%");
      }
      const grid = page.locator('svg[aria-label="check-history behavioral_events"]');
      const cells = await grid.locator("g[aria-label='cell'] rect").count();
      // Two versions (clean, then defects), every check of the dataset on each.
      expect(cells).toBeGreaterThanOrEqual(2 * 8);
      const statuses = await grid
        .locator("g[aria-label='cell'] rect")
        .evaluateAll((els) => new Set(els.map((e) => e.getAttribute("fill"))).size);
      expect(statuses).toBeGreaterThanOrEqual(2);
    });
    await withPage(dist("clean"), "quality", async (page) => {
      await page.waitForSelector(".labbook-provenance");
      // The versions were made seconds apart; the history's time axis still reads as dates.
      const ticks = await page
        .locator('svg[aria-label="version history"] g[aria-label="x-axis tick label"] text')
        .allTextContents();
      expect(ticks.length).toBeGreaterThan(1);
      for (const tick of ticks) expect(tick).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const note = page.locator('.labbook-drift-note[data-dataset="behavioral_events"]');
      await expect(note.innerText()).resolves.toContain("first version: nothing to compare");
    });
  });

  it("colours each version on the lineage page by the outcome its checks recorded, with a legend", async () => {
    for (const [set, want] of [
      ["defects", "fail"],
      ["clean", "pass"],
    ] as const) {
      const version = pinned[set]!.behavioral_events!;
      await withPage(dist(set), "lineage", async (page) => {
        await page.waitForSelector(".labbook-provenance");
        const node = page.locator(`rect[data-node="version:${version}"]`);
        expect(await node.getAttribute("data-status"), set).toBe(want);
        expect(await node.getAttribute("fill"), set).toBe(STATUS_FILLS[want]);
        // Every other version too, whatever its status.
        const drawn = await page
          .locator('rect[data-node^="version:"]')
          .evaluateAll((els) => els.map((e) => [e.getAttribute("data-status")!, e.getAttribute("fill")!] as const));
        // One node per version: two datasets can pin one version (events_dedup of events without duplicates has
        // their very bytes, hence their id).
        expect(drawn.length).toBeGreaterThanOrEqual(new Set(Object.values(pinned[set]!)).size);
        for (const [status, fill] of drawn) expect(fill).toBe(STATUS_FILLS[status as keyof typeof STATUS_FILLS]);
        const legend = await page
          .locator(".labbook-status-legend [data-status]")
          .evaluateAll((els) => els.map((e) => e.getAttribute("data-status")));
        expect(legend).toEqual(Object.keys(STATUS_FILLS));
        // The table names the same status in the version's row.
        const row = page.locator("tbody tr", { has: page.locator(`code[title="${version}"]`) });
        await expect(row.locator(".labbook-status").innerText()).resolves.toBe(want);
      });
    }
  });

  it("publishes no raw user id", async () => {
    for (const set of ["defects", "clean"]) {
      for (const file of await filesUnder(dist(set))) {
        const text = await readFile(path.join(dist(set), file), "utf8");
        for (const id of userIds) expect(text.includes(id), `${id} in ${set}/${file}`).toBe(false);
      }
    }
  });
});
