import { describe, expect, it } from "vitest";
import { behavioralEvents } from "../../loaders/datasets/behavioral-events.ts";
import type { DatasetDef } from "../../loaders/datasets/define.ts";
import { experimentProtocols } from "../../loaders/datasets/experiment-protocols.ts";
import { OUTCOME_COLUMNS } from "../../loaders/datasets/phase-observations.ts";
import { phaseAssignments } from "../../loaders/datasets/phase-assignments.ts";
import { compileSchema } from "../../loaders/datasets/rules.ts";
import { quoteIdent } from "../../loaders/sql-quote.ts";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { analyzeProtocols } from "../../loaders/experiments/analyze.ts";
import { deriveTables } from "../util/derive.ts";

const OUTCOME = OUTCOME_COLUMNS[0]!;
const q = quoteIdent;
const create = (def: DatasetDef) =>
  `CREATE TABLE ${def.name} (${compileSchema(def.schema)
    .map((c) => `${q(c.name)} ${c.duckdbType}`)
    .join(", ")})`;

/**
 * A small AB protocol for one participant, ten days, two events a day with different outcomes, held in
 * DuckDB tables with the source datasets' columns, from which the pipeline's own SQL derives events_dedup and
 * phase_observations. `duplicated` copies some events exactly (same userId, eventType, timestamp and eventData)
 * under new ids, as a source that delivers an event twice does.
 */
async function analyze(duplicated: boolean) {
  return withDuckDB(async (con) => {
    for (const def of [experimentProtocols, phaseAssignments, behavioralEvents]) await con.run(create(def));
    await con.run(`INSERT INTO experiment_protocols (id, "userId", "protocolName", "designType", hypothesis, "primaryOutcome", "startDate")
      VALUES ('p1', 'u1', 'Focus', 'ABAB', 'B raises the outcome', '${OUTCOME}', TIMESTAMPTZ '2025-01-01 00:00:00+00')`);
    await con.run(`INSERT INTO phase_assignments (id, "protocolId", "phaseLabel", "phaseType", "startDate", "endDate", "plannedDuration")
      VALUES ('a1', 'p1', 'baseline_1', 'BASELINE', TIMESTAMPTZ '2025-01-01 00:00:00+00', TIMESTAMPTZ '2025-01-06 00:00:00+00', 5),
        ('b1', 'p1', 'intervention_A_1', 'INTERVENTION_A', TIMESTAMPTZ '2025-01-06 00:00:00+00', TIMESTAMPTZ '2025-01-11 00:00:00+00', 5)`);
    // Day d (0..9): a morning event scoring 10 + d (+20 in B) and an evening one scoring 2 less.
    await con.run(`INSERT INTO behavioral_events (id, "userId", "eventType", "timestamp", "eventData", "timeOfDay",
        "dayOfWeek", "experimentPhase", ${q(OUTCOME)})
      SELECT 'e' || d || '-' || h, 'u1', 'CARD_REVIEWED', TIMESTAMPTZ '2025-01-01 08:00:00+00' + INTERVAL (d) DAY + INTERVAL (h) HOUR,
        '{"slot":' || h || '}', 8 + h, 0, CASE WHEN d < 5 THEN 'baseline_1' ELSE 'intervention_A_1' END,
        10 + d + CASE WHEN d < 5 THEN 0 ELSE 20 END - CASE WHEN h = 0 THEN 0 ELSE 2 END
      FROM range(10) r(d), (VALUES (0), (10)) t(h)`);
    // Every third day the morning event arrives twice, and so does one evening event of the B phase: each copy is a
    // retried write, with a new id.
    if (duplicated)
      await con.run(`INSERT INTO behavioral_events SELECT * REPLACE (id || '-retry' AS id) FROM behavioral_events
        WHERE (day(CAST("timestamp" AS DATE)) % 3 = 1 AND hour("timestamp") = 8) OR "timestamp" = TIMESTAMPTZ '2025-01-08 18:00:00+00'`);
    await deriveTables(con);
    const [{ n }] = (
      await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM behavioral_events`)
    ).getRowObjectsJS() as [{ n: number }];
    return { events: n, results: await analyzeProtocols(con) };
  });
}

describe("duplicated events", () => {
  // Experiments read the pipeline's phase_observations, derived from events_dedup (issue 17).
  it("are counted once: a protocol whose participant has duplicated events gives the same analysis", async () => {
    const clean = await analyze(false);
    const doubled = await analyze(true);
    // The fixture really holds duplicates, and the clean analysis is not empty.
    expect(clean.events).toBe(20);
    expect(doubled.events).toBeGreaterThan(clean.events);
    expect(clean.results[0]!.series).toHaveLength(10);
    expect(clean.results[0]!.series.every((p) => p.events === 2)).toBe(true);
    expect(clean.results[0]!.analysis.interpretation).not.toMatch(/cannot be compared/);
    expect(doubled.results).toEqual(clean.results);
  });
});
