import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePins } from "../../loaders/lineage/pins.ts";
import { planDefects } from "../../loaders/seed/defects.ts";
import { planStudy } from "../../loaders/seed/plan.ts";
import { withPage } from "../util/browser.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createSiteProject, filesUnder, seedSmall, SMALL_SEED, type SiteProject } from "../util/site.ts";

const defectsOptions = { ...SMALL_SEED, defects: true };

/** The quality page in a browser, built once from versions with the seeded defects and once from clean ones. */
describe("the quality page", () => {
  let db: TestDatabase;
  let project: SiteProject;
  const userIds = new Set<string>();
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
    await writePins(path.join(project.root, "lineage"), Object.fromEntries([defects, clean]));
    for (const set of ["defects", "clean"]) {
      const build = await project.cli(["build", "--out", dist(set)], { LABBOOK_PINS: set });
      expect(build.code, build.stderr).toBe(0);
    }
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

  it("publishes no raw user id", async () => {
    for (const set of ["defects", "clean"]) {
      for (const file of await filesUnder(dist(set))) {
        const text = await readFile(path.join(dist(set), file), "utf8");
        for (const id of userIds) expect(text.includes(id), `${id} in ${set}/${file}`).toBe(false);
      }
    }
  });
});
