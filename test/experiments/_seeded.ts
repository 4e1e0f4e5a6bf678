import { DuckDBTimestampTZValue, type DuckDBConnection } from "@duckdb/node-api";
import { behavioralEvents } from "../../loaders/datasets/behavioral-events.ts";
import type { DatasetDef } from "../../loaders/datasets/define.ts";
import { experimentProtocols } from "../../loaders/datasets/experiment-protocols.ts";
import { phaseAssignments } from "../../loaders/datasets/phase-assignments.ts";
import { compileSchema } from "../../loaders/datasets/rules.ts";
import { quoteIdent } from "../../loaders/sql-quote.ts";
import { allocate, generateDay, type Row } from "../../loaders/seed/events.ts";
import { deriveTables } from "../util/derive.ts";
import { DAY_MS, planStudy, SEED_EPOCH_MS, type PlannedUser, type SeedOptions } from "../../loaders/seed/plan.ts";

/**
 * Creates behavioral_events, experiment_protocols and phase_assignments in DuckDB (the datasets' column types) and
 * fills them with the seed generator's rows for the users `pick` keeps: their protocols, phases and events, exactly
 * as `labbook seed` draws them (each user's rows come from their own seeded stream, so leaving others out changes
 * nothing), then derives events_dedup and phase_observations from them with the pipeline's SQL. Lets a test
 * analyse hundreds of seeded protocols without PostgreSQL.
 */
export async function loadSeeded(
  con: DuckDBConnection,
  options: SeedOptions,
  pick: (user: PlannedUser) => boolean,
): Promise<PlannedUser[]> {
  const plan = planStudy(options);
  const users = plan.filter((u) => u.protocol && pick(u));
  for (const def of [behavioralEvents, experimentProtocols, phaseAssignments]) {
    const columns = compileSchema(def.schema).map((c) => `${quoteIdent(c.name)} ${c.duckdbType}`);
    await con.run(`CREATE TABLE ${def.name} (${columns.join(", ")})`);
  }
  // A multiple-baseline protocol is one row, named after its first participant; each participant has own phases.
  const firsts = users.filter((u, i) => users.findIndex((o) => o.protocol!.id === u.protocol!.id) === i);
  await insert(
    con,
    experimentProtocols,
    firsts.map(({ id, protocol }) => {
      const p = protocol!;
      return {
        id: p.id,
        userId: id,
        protocolName: p.name,
        hypothesis: p.hypothesis,
        startDate: SEED_EPOCH_MS + p.phases[0]!.startDay * DAY_MS,
        endDate: SEED_EPOCH_MS + p.phases[p.phases.length - 1]!.endDay * DAY_MS,
        designType: p.design ?? "ABAB",
        primaryOutcome: "sessionPerformanceScore",
      };
    }),
  );
  await insert(
    con,
    phaseAssignments,
    users.flatMap(({ id, protocol }) =>
      protocol!.phases.map((ph) => ({
        id: ph.id,
        protocolId: protocol!.id,
        userId: protocol!.design === "MULTIPLE_BASELINE" ? id : null,
        phaseLabel: ph.label,
        phaseType: ph.type,
        startDate: SEED_EPOCH_MS + ph.startDay * DAY_MS,
        endDate: SEED_EPOCH_MS + ph.endDay * DAY_MS,
        plannedDuration: ph.endDay - ph.startDay,
      })),
    ),
  );
  // The allocation spreads options.events over every planned user, so it needs the whole plan.
  const counts = allocate(plan, options);
  for (let day = 0; day < options.days; day++)
    await insert(con, behavioralEvents, generateDay(users, counts, day, options).events);
  await deriveTables(con);
  return users;
}

/** Appends rows in the dataset's column order; timestamps are epoch milliseconds, as the seed generator gives them. */
async function insert(con: DuckDBConnection, def: DatasetDef, rows: Row[]): Promise<void> {
  const columns = compileSchema(def.schema);
  const appender = await con.createAppender(def.name);
  for (const row of rows) {
    for (const { name, duckdbType } of columns) {
      const v = row[name];
      if (v === undefined || v === null) appender.appendNull();
      else if (duckdbType === "TIMESTAMPTZ") appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(v) * 1000n));
      else if (duckdbType === "INTEGER") appender.appendInteger(Number(v));
      else if (duckdbType === "BIGINT") appender.appendBigInt(BigInt(v));
      else if (duckdbType === "DOUBLE") appender.appendDouble(Number(v));
      else if (duckdbType === "BOOLEAN") appender.appendBoolean(Boolean(v));
      else appender.appendVarchar(String(v));
    }
    appender.endRow();
  }
  appender.closeSync();
}
