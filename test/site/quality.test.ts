import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePins } from "../../loaders/lineage/pins.ts";
import { planDefects } from "../../loaders/seed/defects.ts";
import { planStudy } from "../../loaders/seed/plan.ts";
import { STATUS_FILLS } from "../../src/components/quality-status.ts";
import { withPage } from "../util/browser.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createSiteProject, filesUnder, seedSmall, SMALL_SEED, type SiteProject } from "../util/site.ts";

const defectsOptions = { ...SMALL_SEED, defects: true };

// Two ingests and two builds, each running Framework and every loader: generous on a shared 2-core machine.
const SETUP_TIMEOUT = 600_000;

/** The quality page in a browser, built once from versions with the seeded defects and once from clean ones. */
describe("the quality page", () => {
  let db: TestDatabase;
  let project: SiteProject;
  const userIds = new Set<string>();
  const pinned: Record<string, Record<string, string>> = {};
  const dist = (set: string) => path.join(project.root, `dist-${set}`);

  async function ingestAndPin(set: string, args: string[]) {
    const ingest = await project.cli(["ingest", "--all", ...args, "--json"]);
    expect(ingest.code, ingest.stderr).toBe(0);
    const versions = JSON.parse(ingest.stdout) as { dataset: string; version: string }[];
    return [set, Object.fromEntries(versions.map((v) => [v.dataset, v.version]))] as const;
  }

  async function collectUserIds() {
    for (const r of await db.sql`SELECT DISTINCT "userId" AS id FROM "BehavioralEvent"`) userIds.add(r.id as string);
  }

  beforeAll(async () => {
    db = await createTestDatabase("qpage");
    project = await createSiteProject(db.url);
    await seedSmall(db.sql, { defects: true });
    await collectUserIds();
    // Validation skipped, so the out-of-range score reaches the version and its check.
    const defects = await ingestAndPin("defects", ["--no-validate"]);
    await seedSmall(db.sql, { defects: false });
    await collectUserIds();
    const clean = await ingestAndPin("clean", []);
    Object.assign(pinned, Object.fromEntries([defects, clean]));
    await writePins(path.join(project.root, "lineage"), pinned);
    for (const set of ["defects", "clean"]) {
      const build = await project.cli(["build", "--out", dist(set)], { LABBOOK_PINS: set });
      expect(build.code, build.stderr).toBe(0);
    }
  }, SETUP_TIMEOUT);

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
      expect(failing.sort()).toEqual([
        "behavioral_events duplicate_count(userId,eventType,timestamp,eventData)",
        "behavioral_events in_range(sessionPerformanceScore)",
        "behavioral_events no_gaps(timestamp by userId)",
        "behavioral_events relationships(userId,experimentPhase->phase_assignments)",
      ]);
      expect(await page.locator('tr[data-status="fail"]').count()).toBe(4);
      expect(await page.locator('tr[data-status="warn"]').count()).toBe(0);
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
      expect(await page.locator('tr[data-status="pass"]').count()).toBeGreaterThan(20);
      expect(await page.locator('tr[data-status="fail"], tr[data-status="warn"]').count()).toBe(0);
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
        expect(drawn.length).toBeGreaterThanOrEqual(Object.keys(pinned[set]!).length);
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
