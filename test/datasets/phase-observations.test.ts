import { describe, expect, it } from "vitest";
import { behavioralEvents } from "../../loaders/datasets/behavioral-events.ts";
import { experimentProtocols } from "../../loaders/datasets/experiment-protocols.ts";
import { phaseAssignments } from "../../loaders/datasets/phase-assignments.ts";
import type { DatasetDef } from "../../loaders/datasets/define.ts";
import { compileSchema } from "../../loaders/datasets/rules.ts";
import { quoteIdent } from "../../loaders/sql-quote.ts";
import { withDuckDB } from "../../loaders/duckdb.ts";
import {
  PHASE_MISMATCH_SQL,
  READ_PHASE_OBSERVATIONS_SQL,
  type PhaseMismatchRow,
  type PhaseObservation,
} from "../../loaders/datasets/phase-observations.ts";
import { queryRows } from "../../loaders/duckdb.ts";
import { readPhaseAssignments } from "../../loaders/experiments/analyze.ts";
import type { DuckDBConnection } from "@duckdb/node-api";
import { deriveTables } from "../util/derive.ts";

type Row = Record<string, string | number | null>;

/** A table with the dataset's real column types, holding the given rows (other columns null). */
async function table(con: DuckDBConnection, def: DatasetDef, rows: Row[]): Promise<void> {
  const columns = compileSchema(def.schema);
  await con.run(`CREATE TABLE ${def.name} (${columns.map((c) => `${quoteIdent(c.name)} ${c.duckdbType}`).join(", ")})`);
  for (const row of rows) {
    const names = Object.keys(row);
    await con.run(
      `INSERT INTO ${def.name} (${names.map(quoteIdent).join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
      Object.values(row) as never,
    );
  }
}

const event = (id: string, userId: string, timestamp: string, score: number | null, phase: string | null): Row => ({
  id,
  userId,
  eventType: "CARD_REVIEWED",
  timestamp,
  sessionPerformanceScore: score,
  timeOfDay: Number(timestamp.slice(11, 13)),
  dayOfWeek: 0,
  experimentPhase: phase,
});

/** phase_observations as the pipeline derives it (through events_dedup), and the days with disagreeing labels. */
async function readPhaseSeries(con: DuckDBConnection) {
  await deriveTables(con);
  return {
    series: await queryRows<PhaseObservation>(con, READ_PHASE_OBSERVATIONS_SQL),
    mismatches: await queryRows<PhaseMismatchRow>(con, PHASE_MISMATCH_SQL),
  };
}

async function fixture(con: DuckDBConnection, outcome = "sessionPerformanceScore") {
  await table(con, experimentProtocols, [
    {
      id: "p1",
      userId: "u1",
      protocolName: "P1",
      hypothesis: "h",
      startDate: "2025-06-01 00:00:00+00",
      designType: "ABAB",
      primaryOutcome: outcome,
    },
  ]);
  await table(con, phaseAssignments, [
    {
      id: "a",
      protocolId: "p1",
      phaseLabel: "baseline_1",
      phaseType: "BASELINE",
      startDate: "2025-06-01 00:00:00+00",
      endDate: "2025-06-03 00:00:00+00",
      plannedDuration: 2,
    },
    {
      id: "b",
      protocolId: "p1",
      phaseLabel: "intervention_A_1",
      phaseType: "INTERVENTION_A",
      startDate: "2025-06-03 00:00:00+00",
      endDate: "2025-06-06 00:00:00+00",
      plannedDuration: 3,
    },
  ]);
  await table(con, behavioralEvents, [
    event("e1", "u1", "2025-06-01 09:00:00+00", 60, "baseline_1"),
    event("e2", "u1", "2025-06-01 23:59:59+00", 70, "baseline_1"),
    // 06-02: no events at all (missing, not zero).
    event("e3", "u1", "2025-06-03 00:00:00+00", 80, "intervention_A_1"),
    event("e4", "u1", "2025-06-03 10:00:00+00", null, "baseline_1"),
    // 06-04: events without a score only: no value, so missing too.
    event("e5", "u1", "2025-06-04 10:00:00+00", null, "intervention_A_1"),
    event("e6", "u1", "2025-06-05 10:00:00+00", 90, null),
    // After the last phase: not part of the series.
    event("e7", "u1", "2025-06-06 10:00:00+00", 10, "intervention_A_1"),
    // Another user's events never count.
    event("e8", "u2", "2025-06-01 10:00:00+00", 0, "baseline_1"),
  ]);
}

describe("phase_observations", () => {
  it("averages the outcome per day, labels days by assignment and leaves days without values out", async () => {
    const { series, mismatches } = await withDuckDB(async (con) => {
      await fixture(con);
      return readPhaseSeries(con);
    });
    expect(series).toEqual([
      {
        protocolId: "p1",
        userId: "u1",
        outcome: "sessionPerformanceScore",
        date: "2025-06-01",
        day: 0,
        value: 65,
        events: 2,
        phaseLabel: "baseline_1",
        phaseType: "BASELINE",
      },
      {
        protocolId: "p1",
        userId: "u1",
        outcome: "sessionPerformanceScore",
        date: "2025-06-03",
        day: 2,
        value: 80,
        events: 1,
        phaseLabel: "intervention_A_1",
        phaseType: "INTERVENTION_A",
      },
      {
        protocolId: "p1",
        userId: "u1",
        outcome: "sessionPerformanceScore",
        date: "2025-06-05",
        day: 4,
        value: 90,
        events: 1,
        phaseLabel: "intervention_A_1",
        phaseType: "INTERVENTION_A",
      },
    ]);
    // 06-03 is assigned intervention_A_1 (phases are half-open), but one event says baseline_1.
    expect(mismatches).toEqual([
      {
        protocolId: "p1",
        userId: "u1",
        date: "2025-06-03",
        assigned: "intervention_A_1",
        observed: ["baseline_1"],
        events: 1,
      },
    ]);
  });

  it("reports an event label outside the protocol's phases, and a label the protocol does not have", async () => {
    const { mismatches } = await withDuckDB(async (con) => {
      await fixture(con);
      await con.run(`INSERT INTO behavioral_events (id, "userId", "eventType", "timestamp", "timeOfDay", "dayOfWeek", "experimentPhase")
        VALUES ('e9', 'u1', 'CARD_REVIEWED', '2025-06-02 08:00:00+00', 8, 1, 'baseline_9')`);
      return readPhaseSeries(con);
    });
    expect(mismatches.map((m) => [m.date, m.assigned, m.observed])).toEqual([
      ["2025-06-02", "baseline_1", ["baseline_9"]],
      ["2025-06-03", "intervention_A_1", ["baseline_1"]],
    ]);
  });

  it("reads the planned phases in start order with their dates as YYYY-MM-DD", async () => {
    const phases = await withDuckDB(async (con) => {
      await fixture(con);
      return readPhaseAssignments(con);
    });
    expect(phases).toEqual([
      {
        protocolId: "p1",
        userId: null,
        label: "baseline_1",
        type: "BASELINE",
        start: "2025-06-01",
        end: "2025-06-03",
        plannedDuration: 2,
      },
      {
        protocolId: "p1",
        userId: null,
        label: "intervention_A_1",
        type: "INTERVENTION_A",
        start: "2025-06-03",
        end: "2025-06-06",
        plannedDuration: 3,
      },
    ]);
  });

  it("gives no series for an outcome that is not a numeric column of behavioral_events", async () => {
    const { series } = await withDuckDB(async (con) => {
      await fixture(con, "eventData");
      return readPhaseSeries(con);
    });
    expect(series).toEqual([]);
  });

  it("gives each participant of a multiple-baseline protocol their own phases, on the protocol's day axis", async () => {
    const { series, mismatches } = await withDuckDB(async (con) => {
      await fixture(con);
      await con.run(`INSERT INTO experiment_protocols (id, "userId", "protocolName", hypothesis, "startDate", "designType", "primaryOutcome")
        VALUES ('mb', 'u2', 'MB', 'h', '2025-06-01 00:00:00+00', 'MULTIPLE_BASELINE', 'sessionPerformanceScore')`);
      // u2's intervention starts on day 1, u3's on day 2; the protocol's own userId (u2) has no phases of its own.
      for (const [id, user, label, type, start, end] of [
        ["m1", "u2", "baseline_1", "BASELINE", "01", "02"],
        ["m2", "u2", "intervention_A_1", "INTERVENTION_A", "02", "04"],
        ["m3", "u3", "baseline_1", "BASELINE", "01", "03"],
        ["m4", "u3", "intervention_A_1", "INTERVENTION_A", "03", "04"],
      ])
        await con.run(`INSERT INTO phase_assignments (id, "protocolId", "userId", "phaseLabel", "phaseType", "startDate", "endDate", "plannedDuration")
          VALUES ('${id}', 'mb', '${user}', '${label}', '${type}', '2025-06-${start} 00:00:00+00', '2025-06-${end} 00:00:00+00', 1)`);
      for (const [k, user] of [
        [0, "u2"],
        [1, "u3"],
      ] as const)
        for (const day of [1, 2, 3])
          await con.run(`INSERT INTO behavioral_events (id, "userId", "eventType", "timestamp", "timeOfDay", "dayOfWeek", "sessionPerformanceScore", "experimentPhase")
            VALUES ('x${k}${day}', '${user}', 'CARD_REVIEWED', '2025-06-0${day} 12:00:00+00', 12, 0, ${10 * day + k}, 'baseline_1')`);
      return readPhaseSeries(con);
    });
    const mb = series.filter((s) => s.protocolId === "mb").map((s) => [s.userId, s.day, s.value, s.phaseLabel]);
    expect(mb).toEqual([
      // u2 has events before this fixture too (e8, day 0, score 0), inside its baseline.
      ["u2", 0, 5, "baseline_1"],
      ["u2", 1, 20, "intervention_A_1"],
      ["u2", 2, 30, "intervention_A_1"],
      ["u3", 0, 11, "baseline_1"],
      ["u3", 1, 21, "baseline_1"],
      ["u3", 2, 31, "intervention_A_1"],
    ]);
    // The single-participant protocol is as before: u2's and u3's events are not p1's.
    expect(series.filter((s) => s.protocolId === "p1").map((s) => s.userId)).toEqual(["u1", "u1", "u1"]);
    // Each participant's labels are checked against their own phases.
    expect(mismatches.filter((m) => m.protocolId === "mb").map((m) => [m.userId, m.date])).toEqual([
      ["u2", "2025-06-02"],
      ["u2", "2025-06-03"],
      ["u3", "2025-06-03"],
    ]);
  });
});
