import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { runPipeline } from "../../loaders/pipeline/run.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { createProject, type TestProject } from "../util/project.ts";
import { publishStudy } from "./study-fixture.ts";

// Worked by hand from the events and phases in study-fixture.ts (not from daily_user_metrics' output). Columns:
// ISO week, its Monday, active users, events, sessions started, mean score, and the mean per phase type (BASELINE,
// INTERVENTION_A, INTERVENTION_B, WASHOUT); a mean is the sum of scores over the number of scored events.
const EXPECTED = [
  // Only ua on Sunday 12-29 (baseline_1): e01-e04, sessions S1 and S2, scores 80+60+90 over 3.
  ["2024-W52", "2024-12-23", 1, 4, 2, 230 / 3, 230 / 3, null, null, null],
  // Monday 12-30 opens ISO year 2025. Users ua, ub, uc. Events: ua 2 (e05, e06; e06d dropped) + 3 (e07-e09),
  // ub 2 + 2 + 1 + 1 (e11-e16), uc 1 (e17) = 12. Sessions started: ua S3, S4, S5; ub S7-S10; uc S11 = 8.
  // Scores: 70+100+50+40 (ua) + 20+30+100+10 (ub) + 60 (uc) = 480 over 9 scored events.
  // INTERVENTION_A: ua's 12-30 and 01-02, 260 over 4; INTERVENTION_B: ub's 01-02, 100 over 1; WASHOUT: ub's 01-01,
  // 50 over 2; no BASELINE day had events (ub's baseline day 01-01 resolved to washout_1).
  ["2025-W01", "2024-12-30", 3, 12, 8, 480 / 9, null, 65, 100, 25],
  // ua on 01-06 (washout_1): e10, S6, score 30.
  ["2025-W02", "2025-01-06", 1, 1, 1, 30, null, null, null, 30],
];

describe("weekly_metrics", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject();
    await publishStudy(project.config);
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("matches the hand-worked ISO weeks: users, events, sessions, and mean scores overall and per phase type", async () => {
    const result = await runPipeline(project.config, { targets: ["weekly_metrics"] });
    expect(result.failed).toEqual([]);
    expect(result.ran).toEqual(["events_dedup", "sessions", "daily_user_metrics", "weekly_metrics"]);
    const [latest] = await listVersions(project.config.lineageDir, "weekly_metrics");
    const rows = await withDuckDB((con) =>
      queryRows<Record<string, unknown>>(
        con,
        `SELECT week, CAST("weekStart" AS VARCHAR) AS "weekStart", "activeUsers", events, sessions, "meanScore",
           "meanScoreBaseline", "meanScoreInterventionA", "meanScoreInterventionB", "meanScoreWashout"
         FROM ${parquet(objectPath(project.config.dataDir, latest!.version))}`,
      ),
    );
    expect(rows.map((r) => Object.values(r))).toEqual(EXPECTED);
  });
});
