import { describe, expect, it } from "vitest";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { analyzeProtocols } from "../../loaders/experiments/analyze.ts";
import { OUTCOME_COLUMNS } from "../../loaders/site/phase-series.ts";

const OUTCOME = OUTCOME_COLUMNS[0]!;
const q = (name: string) => `"${name}"`;

/**
 * A small AB protocol for one participant, ten days, two events a day with different outcomes, held in
 * DuckDB tables named as the pinned datasets. `duplicated` copies some events exactly (same userId, eventType,
 * timestamp and eventData), as a source that delivers an event twice does.
 */
async function analyze(duplicated: boolean) {
  return withDuckDB(async (con) => {
    const outcomes = OUTCOME_COLUMNS.map((c) => `${q(c)} DOUBLE`).join(", ");
    await con.run(`CREATE TABLE experiment_protocols (id VARCHAR, "userId" VARCHAR, "protocolName" VARCHAR,
      "designType" VARCHAR, hypothesis VARCHAR, "primaryOutcome" VARCHAR, "startDate" TIMESTAMP)`);
    await con.run(`INSERT INTO experiment_protocols VALUES
      ('p1', 'u1', 'Focus', 'AB', 'B raises the outcome', '${OUTCOME}', TIMESTAMP '2025-01-01 00:00:00')`);
    await con.run(`CREATE TABLE phase_assignments ("protocolId" VARCHAR, "phaseLabel" VARCHAR, "phaseType" VARCHAR,
      "startDate" TIMESTAMP, "endDate" TIMESTAMP, "plannedDuration" INTEGER)`);
    await con.run(`INSERT INTO phase_assignments VALUES
      ('p1', 'A1', 'BASELINE', TIMESTAMP '2025-01-01', TIMESTAMP '2025-01-06', 5),
      ('p1', 'B1', 'INTERVENTION', TIMESTAMP '2025-01-06', TIMESTAMP '2025-01-11', 5)`);
    await con.run(`CREATE TABLE behavioral_events ("userId" VARCHAR, "eventType" VARCHAR, "timestamp" TIMESTAMP,
      "eventData" VARCHAR, "experimentPhase" VARCHAR, ${outcomes})`);
    // Day d (0..9): a morning event scoring 10 + d (+20 in B) and an evening one scoring 2 less.
    await con.run(`INSERT INTO behavioral_events ("userId", "eventType", "timestamp", "eventData", "experimentPhase", ${q(OUTCOME)})
      SELECT 'u1', 'checkin', TIMESTAMP '2025-01-01 08:00:00' + INTERVAL (d) DAY + INTERVAL (h) HOUR,
        '{"slot":' || h || '}', CASE WHEN d < 5 THEN 'A1' ELSE 'B1' END,
        10 + d + CASE WHEN d < 5 THEN 0 ELSE 20 END - CASE WHEN h = 0 THEN 0 ELSE 2 END
      FROM range(10) r(d), (VALUES (0), (10)) t(h)`);
    // Every third day the morning event arrives twice, and so does one evening event of the B phase.
    if (duplicated)
      await con.run(`INSERT INTO behavioral_events SELECT * FROM behavioral_events
        WHERE (day(CAST("timestamp" AS DATE)) % 3 = 1 AND hour("timestamp") = 8) OR "timestamp" = TIMESTAMP '2025-01-08 18:00:00'`);
    const [{ n }] = (
      await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM behavioral_events`)
    ).getRowObjectsJS() as [{ n: number }];
    return { events: n, results: await analyzeProtocols(con) };
  });
}

describe("duplicated events", () => {
  // Issue 17, item 1 of its first part: experiments read behavioral_events rather than events_dedup, so an event
  // delivered twice is counted twice. Remove `.fails` when the analysis reads deduplicated events.
  it.fails("are counted once: a protocol whose participant has duplicated events gives the same analysis", async () => {
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
