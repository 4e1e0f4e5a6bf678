import type { Config } from "../../loaders/config.ts";
import { getDataset } from "../../loaders/datasets/index.ts";
import { compileSchema } from "../../loaders/datasets/rules.ts";
import { quoteIdent, sqlString } from "../../loaders/sql-quote.ts";
import { orderBy } from "../../loaders/pipeline/stage-common.ts";
import { makeVersion } from "../util/project.ts";

/**
 * A hand-sized study around the ISO year boundary (2024-12-29 is a Sunday of 2024-W52, 2024-12-30 the Monday of
 * 2025-W01, 2025-01-06 the Monday of 2025-W02), for tests that work out daily and weekly metrics by hand.
 */

/** A cuid-shaped id that sorts like its label: "c" + label, zero-padded to 25 characters. */
export const id = (label: string) => `c${label}`.padEnd(25, "0");

type Value = string | number | null;
type Event = [label: string, user: string, time: string, type: string, score: number | null, engagement: string | null];

// Sessions (cut by the sessions stage) are noted per event; minutes are the session's length.
export const EVENTS: Event[] = [
  // ua, 2024-12-29 (baseline_1). S1 10:00-10:20, 20 min.
  ["e01", "ua", "2024-12-29 10:00:00", "CARD_REVIEWED", 80, "LOW"],
  ["e02", "ua", "2024-12-29 10:10:00", "CARD_REVIEWED", 60, "HIGH"],
  ["e03", "ua", "2024-12-29 10:20:00", "MISSION_STARTED", null, "MEDIUM"],
  // S2 starts at 23:50 and runs past midnight to 00:20 (exactly 30 minutes of silence: no cut): 30 min on 12-29.
  ["e04", "ua", "2024-12-29 23:50:00", "CARD_REVIEWED", 90, "HIGH"],
  // ua, 2024-12-30 (intervention_A_1).
  ["e05", "ua", "2024-12-30 00:20:00", "CARD_REVIEWED", 70, null],
  // S3, 0 min; e06d is an exact duplicate of e06 that events_dedup drops.
  ["e06", "ua", "2024-12-30 09:00:00", "VALIDATION_COMPLETED", 100, "MEDIUM"],
  ["e06d", "ua", "2024-12-30 09:00:00", "VALIDATION_COMPLETED", 100, "MEDIUM"],
  // ua, 2025-01-02: in p1 (intervention_A_1) and p3 (intervention_B_1); p1 started first, so intervention_A_1.
  // S4 14:00-14:05, 5 min; 40 minutes of silence, then S5, 0 min.
  ["e07", "ua", "2025-01-02 14:00:00", "SESSION_STARTED", null, null],
  ["e08", "ua", "2025-01-02 14:05:00", "CARD_REVIEWED", 50, "LOW"],
  ["e09", "ua", "2025-01-02 14:45:00", "CARD_REVIEWED", 40, "LOW"],
  // ua, 2025-01-06 (washout_1, open-ended). S6, 0 min.
  ["e10", "ua", "2025-01-06 08:00:00", "MISSION_COMPLETED", 30, "HIGH"],
  // ub, 2024-12-30: before p2 starts, so no phase. S7 12:00-12:15, 15 min; nothing scored.
  ["e11", "ub", "2024-12-30 12:00:00", "CARD_REVIEWED", null, "LOW"],
  ["e12", "ub", "2024-12-30 12:15:00", "LECTURE_UPLOADED", null, null],
  // ub, 2025-01-01: in baseline_1 (from 12-31) and washout_1 (from 01-01); the later start wins: washout_1.
  // S8 09:00:00-09:01:30, 1.5 min.
  ["e13", "ub", "2025-01-01 09:00:00", "CARD_REVIEWED", 20, "MEDIUM"],
  ["e14", "ub", "2025-01-01 09:01:30", "CARD_REVIEWED", 30, "MEDIUM"],
  // ub, 2025-01-02: in washout_1 (from 01-01) and intervention_B_1 (from 01-02): intervention_B_1. S9, 0 min.
  ["e15", "ub", "2025-01-02 18:00:00", "CARD_REVIEWED", 100, "HIGH"],
  // ub, 2025-01-03: both phases end on 01-03, exclusive, so no phase. S10, 0 min.
  ["e16", "ub", "2025-01-03 07:00:00", "CARD_REVIEWED", 10, "LOW"],
  // uc, 2025-01-05 (a Sunday, still 2025-W01): in no protocol. S11, 0 min.
  ["e17", "uc", "2025-01-05 20:00:00", "CARD_REVIEWED", 60, "MEDIUM"],
];

type Protocol = [id: string, user: string, start: string];
export const PROTOCOLS: Protocol[] = [
  ["p1", "ua", "2024-12-28"],
  ["p2", "ub", "2024-12-31"],
  ["p3", "ua", "2025-01-01"],
];

type Phase = [id: string, protocol: string, label: string, type: string, start: string, end: string | null];
export const PHASES: Phase[] = [
  ["f1", "p1", "baseline_1", "BASELINE", "2024-12-28", "2024-12-30"],
  ["f2", "p1", "intervention_A_1", "INTERVENTION_A", "2024-12-30", "2025-01-06"],
  ["f3", "p1", "washout_1", "WASHOUT", "2025-01-06", null],
  ["f4", "p2", "baseline_1", "BASELINE", "2024-12-31", "2025-01-02"],
  ["f5", "p2", "intervention_B_1", "INTERVENTION_B", "2025-01-02", "2025-01-03"],
  ["f6", "p2", "washout_1", "WASHOUT", "2025-01-01", "2025-01-03"],
  ["f7", "p3", "intervention_B_1", "INTERVENTION_B", "2025-01-01", null],
];

/** A SELECT of the given rows, each column cast to the dataset's type (NULL where a row leaves it out). */
function rowsSql(dataset: string, rows: Record<string, Value>[]): string {
  const def = getDataset(dataset);
  const columns = compileSchema(def.schema);
  const literal = (v: Value | undefined) =>
    v === undefined || v === null ? "NULL" : typeof v === "number" ? String(v) : sqlString(v);
  const selects = rows.map(
    (row) =>
      `SELECT ${columns.map((c) => `CAST(${literal(row[c.name])} AS ${c.duckdbType}) AS ${quoteIdent(c.name)}`).join(", ")}`,
  );
  return `SELECT * FROM (${selects.join("\nUNION ALL ")}) ORDER BY ${orderBy(def)}`;
}

/** A UTC timestamp literal from "YYYY-MM-DD[ HH:MM:SS]". */
const utc = (time: string) => `${time.length === 10 ? `${time} 00:00:00` : time}+00`;

/** Publishes the fixture as versions of behavioral_events, experiment_protocols and phase_assignments. */
export async function publishStudy(config: Config): Promise<void> {
  const at = Date.UTC(2025, 0, 10);
  const events = EVENTS.map(([label, user, time, type, score, engagement]) => {
    const when = new Date(`${time.replace(" ", "T")}Z`);
    return {
      id: id(label),
      userId: user,
      eventType: type,
      // A duplicate carries the same data as its original.
      eventData: JSON.stringify({ n: label.replace(/d$/, "") }),
      timestamp: utc(time),
      sessionPerformanceScore: score,
      engagementLevel: engagement,
      timeOfDay: when.getUTCHours(),
      dayOfWeek: when.getUTCDay(),
    };
  });
  const protocols = PROTOCOLS.map(([pid, user, start]) => ({
    id: id(pid),
    userId: user,
    protocolName: `protocol ${pid}`,
    hypothesis: "practice raises scores",
    startDate: utc(start),
    designType: "ABAB",
    primaryOutcome: "sessionPerformanceScore",
  }));
  const phases = PHASES.map(([fid, protocol, label, type, start, end]) => ({
    id: id(fid),
    protocolId: id(protocol),
    phaseLabel: label,
    phaseType: type,
    startDate: utc(start),
    endDate: end && utc(end),
    plannedDuration: 1,
  }));
  await makeVersion(config, "behavioral_events", rowsSql("behavioral_events", events), at);
  await makeVersion(config, "experiment_protocols", rowsSql("experiment_protocols", protocols), at);
  await makeVersion(config, "phase_assignments", rowsSql("phase_assignments", phases), at);
}
