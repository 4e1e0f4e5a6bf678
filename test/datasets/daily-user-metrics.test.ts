import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { runPipeline } from "../../loaders/pipeline/run.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { createProject, type TestProject } from "../util/project.ts";
import { publishStudy } from "./study-fixture.ts";

// Worked by hand from the events, sessions and phases in study-fixture.ts, in the order of the sort key (day, user).
// Columns: user, day, events, sessions started, their minutes, scored events, score sum, mean score, engagement
// LOW/MEDIUM/HIGH, phase label, phase type.
const EXPECTED = [
  // e01-e04: S1 (20 min) and S2 (23:50 to 00:20 the next day, 30 min) both start today; scores 80+60+90 over 3
  // scored events; LOW e01, MEDIUM e03, HIGH e02 and e04; f1 covers [12-28, 12-30).
  ["ua", "2024-12-29", 4, 2, 50, 3, 230, 230 / 3, 1, 1, 2, "baseline_1", "BASELINE"],
  // e05 (S2's tail, counted on 12-29) and e06 (S3, 0 min); its duplicate e06d was dropped. 70+100 over 2.
  ["ua", "2024-12-30", 2, 1, 0, 2, 170, 85, 0, 1, 0, "intervention_A_1", "INTERVENTION_A"],
  // e11-e12: S7, 15 min; nothing scored, so the mean is missing, not zero; p2 starts on 12-31.
  ["ub", "2024-12-30", 2, 1, 15, 0, 0, null, 1, 0, 0, null, null],
  // e13-e14: S8, 90 s = 1.5 min; 20+30 over 2; f4 (from 12-31) and f6 (from 01-01) overlap: the later start, f6.
  ["ub", "2025-01-01", 2, 1, 1.5, 2, 50, 25, 0, 2, 0, "washout_1", "WASHOUT"],
  // e07-e09: S4 (5 min) and, after 40 silent minutes, S5 (0 min); 50+40 over 2; p1 (from 12-28) wins over p3.
  ["ua", "2025-01-02", 3, 2, 5, 2, 90, 45, 2, 0, 0, "intervention_A_1", "INTERVENTION_A"],
  // e15: S9; f5 (from 01-02) is a later start than f6 (from 01-01).
  ["ub", "2025-01-02", 1, 1, 0, 1, 100, 100, 0, 0, 1, "intervention_B_1", "INTERVENTION_B"],
  // e16: S10; f5 and f6 end on 01-03, exclusive.
  ["ub", "2025-01-03", 1, 1, 0, 1, 10, 10, 1, 0, 0, null, null],
  // e17: S11; uc has no protocol.
  ["uc", "2025-01-05", 1, 1, 0, 1, 60, 60, 0, 1, 0, null, null],
  // e10: S6; f3 is open-ended, and p1 again wins over p3.
  ["ua", "2025-01-06", 1, 1, 0, 1, 30, 30, 0, 0, 1, "washout_1", "WASHOUT"],
];

describe("daily_user_metrics", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject();
    await publishStudy(project.config);
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("matches the hand-worked metrics: events, sessions by start day, minutes, scores, engagement, phase", async () => {
    const result = await runPipeline(project.config, { targets: ["daily_user_metrics"] });
    expect(result.failed).toEqual([]);
    expect(result.ran).toEqual(["events_dedup", "sessions", "daily_user_metrics"]);
    const [latest] = await listVersions(project.config.lineageDir, "daily_user_metrics");
    // Stored as day partitions: the version is read through its manifest's list of objects.
    const files = (await readableFiles(project.config.dataDir, latest!.version))!;
    const rows = await withDuckDB((con) =>
      queryRows<Record<string, unknown>>(
        con,
        `SELECT "userId", CAST(day AS VARCHAR) AS day, events, sessions, minutes, "scoredEvents", "scoreSum",
           "meanScore", "engagementLow", "engagementMedium", "engagementHigh", "phaseLabel", "phaseType"
         FROM ${parquet(files)}`,
      ),
    );
    expect(rows.map((r) => Object.values(r))).toEqual(EXPECTED);
  });
});
