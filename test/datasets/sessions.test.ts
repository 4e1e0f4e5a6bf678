import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { behavioralEvents } from "../../loaders/datasets/behavioral-events.ts";
import { compileSchema } from "../../loaders/datasets/rules.ts";
import { quoteIdent, sqlString } from "../../loaders/sql-quote.ts";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { runPipeline } from "../../loaders/pipeline/run.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";

/** A cuid-shaped id that sorts like its label: "c" + label, zero-padded to 25 characters. */
const id = (label: string) => `c${label}`.padEnd(25, "0");

type E = [label: string, user: string, time: string, type: string, score: number | null, content: string | null];

// Two users. "ua" sends SESSION_STARTED/ENDED markers (and once loses an ENDED); "ub" is a legacy client with none.
const EVENTS: E[] = [
  ["a01", "ua", "2025-06-02 09:00:00", "SESSION_STARTED", null, null],
  ["a02", "ua", "2025-06-02 09:01:00", "CARD_REVIEWED", 80, "flashcard"],
  ["a03", "ua", "2025-06-02 09:02:00", "CARD_REVIEWED", 60, "image_card"],
  ["a04", "ua", "2025-06-02 09:03:00", "CARD_REVIEWED", 70, "flashcard"],
  ["a05", "ua", "2025-06-02 09:04:00", "SESSION_ENDED", null, null],
  // A new session 6 minutes later, by its marker; its ENDED is lost.
  ["a06", "ua", "2025-06-02 09:10:00", "SESSION_STARTED", null, null],
  // 40 minutes of silence: the gap rule closes the open session.
  ["a07", "ua", "2025-06-02 09:50:00", "VALIDATION_COMPLETED", 90, "quiz"],
  ["a08", "ua", "2025-06-02 09:55:00", "SESSION_ENDED", null, null],
  // After SESSION_ENDED a new session starts even without a STARTED; 20 minutes of silence do not cut it.
  ["a09", "ua", "2025-06-02 10:00:00", "MISSION_COMPLETED", 40, "mission"],
  ["a10", "ua", "2025-06-02 10:20:00", "MISSION_STARTED", null, "mission"],
  ["b01", "ub", "2025-06-02 08:00:00", "CARD_REVIEWED", 50, "lecture"],
  ["b02", "ub", "2025-06-02 08:29:59", "VALIDATION_COMPLETED", 60, "lecture"],
  // Exactly 30 minutes: not more than 30, so no cut.
  ["b03", "ub", "2025-06-02 08:59:59", "LECTURE_UPLOADED", null, "flashcard"],
  // 30 minutes and 1 second: cut.
  ["b04", "ub", "2025-06-02 09:30:00", "CARD_REVIEWED", 70, "quiz"],
  ["b05", "ub", "2025-06-02 09:30:00", "CARD_REVIEWED", 80, "flashcard"],
  // An exact duplicate of b05 with another id: events_dedup drops it before sessions are cut.
  ["b06", "ub", "2025-06-02 09:30:00", "CARD_REVIEWED", 80, "flashcard"],
  ["b07", "ub", "2025-06-03 00:10:00", "CARD_REVIEWED", 100, null],
];

/** The hand-worked sessions: id (first event), user, start, end, seconds, events, mean score, dominant content. */
const EXPECTED = [
  [id("b01"), "ub", "2025-06-02T08:00:00.000Z", "2025-06-02T08:59:59.000Z", 3599, 3, 55, "lecture"],
  [id("a01"), "ua", "2025-06-02T09:00:00.000Z", "2025-06-02T09:04:00.000Z", 240, 5, 70, "flashcard"],
  [id("a06"), "ua", "2025-06-02T09:10:00.000Z", "2025-06-02T09:10:00.000Z", 0, 1, null, null],
  // A tie between quiz and flashcard goes to the first name.
  [id("b04"), "ub", "2025-06-02T09:30:00.000Z", "2025-06-02T09:30:00.000Z", 0, 2, 75, "flashcard"],
  [id("a07"), "ua", "2025-06-02T09:50:00.000Z", "2025-06-02T09:55:00.000Z", 300, 2, 90, "quiz"],
  [id("a09"), "ua", "2025-06-02T10:00:00.000Z", "2025-06-02T10:20:00.000Z", 1200, 2, 40, "mission"],
  [id("b07"), "ub", "2025-06-03T00:10:00.000Z", "2025-06-03T00:10:00.000Z", 0, 1, 100, null],
];

function eventsSql(): string {
  const v = (x: string | number | null) => (x === null ? "NULL" : typeof x === "number" ? String(x) : sqlString(x));
  const rows = EVENTS.map(([label, user, time, type, score, content]) => {
    // b06 copies b05's data; every other event has data of its own.
    const data = JSON.stringify({ n: label === "b06" ? "b05" : label });
    return `(${[id(label), user, type, data, `${time}+00`, score, content].map(v).join(", ")})`;
  });
  const columns = compileSchema(behavioralEvents.schema)
    .map((c) => {
      const expr: Record<string, string> = {
        timestamp: "CAST(ts AS TIMESTAMPTZ)",
        timeOfDay: "hour(CAST(ts AS TIMESTAMPTZ))",
        dayOfWeek: "dayofweek(CAST(ts AS TIMESTAMPTZ))",
      };
      const inValues = ["id", "userId", "eventType", "eventData", "sessionPerformanceScore", "contentType"];
      return `CAST(${expr[c.name] ?? (inValues.includes(c.name) ? quoteIdent(c.name) : "NULL")} AS ${c.duckdbType}) AS ${quoteIdent(c.name)}`;
    })
    .join(", ");
  return `SELECT ${columns} FROM (VALUES ${rows.join(",\n")})
    AS v(id, "userId", "eventType", "eventData", ts, "sessionPerformanceScore", "contentType") ORDER BY "timestamp", id`;
}

describe("sessions", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject();
    await makeVersion(project.config, "behavioral_events", eventsSql(), Date.UTC(2025, 6, 1));
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("matches the hand-worked sessions, cut at markers and at silences over 30 minutes", async () => {
    const result = await runPipeline(project.config, { targets: ["sessions"] });
    expect(result.failed).toEqual([]);
    expect(result.ran).toEqual(["events_dedup", "sessions"]);
    expect(result.stages[0]!.summary).toEqual({ dropped: 1 });
    const [latest] = await listVersions(project.config.lineageDir, "sessions");
    const rows = await withDuckDB((con) =>
      queryRows<Record<string, unknown>>(
        con,
        `SELECT "sessionId", "userId", strftime(start, '%Y-%m-%dT%H:%M:%S.%gZ') AS start,
           strftime("end", '%Y-%m-%dT%H:%M:%S.%gZ') AS "end", "durationSeconds", events, "meanScore",
           "dominantContentType" FROM ${parquet(objectPath(project.config.dataDir, latest!.version))}`,
      ),
    );
    expect(rows.map((r) => Object.values(r))).toEqual(EXPECTED);
  });
});
