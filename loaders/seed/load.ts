import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import type { Sql, TransactionSql } from "postgres";
import { silentLogger, type Logger } from "../log.ts";
import { createSchemaSql, dropSchemaSql } from "../sources/ddl.ts";
import { appSchema, type Naming } from "../sources/schema.ts";
import { copyLine, pgTimestamp, type CopyValue } from "./copy-text.ts";
import { applyDefects, planDefects, type DefectPlan } from "./defects.ts";
import { allocate, generateDay, type Row } from "./events.ts";
import { DAY_MS, planStudy, SEED_EPOCH_MS, type PlannedUser, type SeedOptions } from "./plan.ts";

export interface SeedResult {
  naming: Naming;
  rows: { events: number; protocols: number; phases: number; context: number };
  seconds: number;
  eventsPerSecond: number;
  defects: DefectPlan | null;
}

const BATCH = 2_000;

/** Encodes rows in the table's column order; timestamp columns hold epoch milliseconds until here. */
function encoder(table: PgTable) {
  const columns = getTableConfig(table).columns;
  const names = columns.map((c) => c.name);
  const isTime = columns.map((c) => c.columnType === "PgTimestampString");
  return {
    names,
    line(row: Row): string {
      const values: CopyValue[] = new Array(names.length);
      for (let i = 0; i < names.length; i++) {
        const v = row[names[i]!] ?? null;
        values[i] = isTime[i] && typeof v === "number" ? pgTimestamp(v) : v;
      }
      return copyLine(values);
    },
  };
}

async function copyInto(
  sql: Sql | TransactionSql,
  table: PgTable,
  chunks: AsyncIterable<Row[]> | Iterable<Row[]>,
): Promise<number> {
  const { names, line } = encoder(table);
  const { name } = getTableConfig(table);
  const writable = await sql`COPY ${sql(name)} (${sql(names)}) FROM STDIN`.writable();
  let count = 0;
  async function* text() {
    for await (const rows of chunks) {
      let out = "";
      for (const row of rows) out += line(row);
      count += rows.length;
      yield out;
    }
  }
  await pipeline(Readable.from(text()), writable);
  return count;
}

function* batches<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH) yield items.slice(i, i + BATCH);
}

/**
 * Replaces the application tables with deterministic synthetic data: users, ABAB protocols with their phases,
 * behavioral events and context metadata. Loads with COPY FROM and adds keys and indexes afterwards.
 */
export async function seedDatabase(
  sql: Sql,
  options: SeedOptions,
  naming: Naming,
  log: Logger = silentLogger,
  clock: () => number = Date.now,
  signal?: AbortSignal,
): Promise<SeedResult> {
  const started = clock();
  const schema = appSchema(naming);
  const ddl = createSchemaSql(naming);
  const users = planStudy(options);
  const defects = options.defects ? planDefects(users, options) : null;
  const participants = users.filter((u) => u.protocol);
  // A multiple-baseline protocol is one row over several participants; each participant has their own phases.
  const protocols = participants.filter(
    (u, i) => participants.findIndex((o) => o.protocol!.id === u.protocol!.id) === i,
  );
  const phases = participants.flatMap(phaseRows);
  const counts = allocate(users, options);
  const context: Row[] = [];
  let loaded = 0;
  async function* days() {
    for (let day = 0; day < options.days; day++) {
      signal?.throwIfAborted();
      const out = generateDay(users, counts, day, options);
      if (defects) applyDefects(defects, day, out);
      context.push(...out.context);
      yield* batches(out.events);
      loaded += out.events.length;
      const secs = (clock() - started) / 1000;
      log.progress(
        `seeding events: ${loaded.toLocaleString("en")} rows, ${Math.round(loaded / secs).toLocaleString("en")} rows/s`,
      );
    }
  }
  // One transaction: an interrupted or failed seed leaves the tables exactly as they were.
  const { events, contextRows } = await sql.begin(async (tx) => {
    for (const statement of dropSchemaSql()) await tx.unsafe(statement);
    for (const statement of ddl.tables) await tx.unsafe(statement);
    await copyInto(tx, schema.experimentProtocol, [protocols.map(protocolRow)]);
    await copyInto(tx, schema.phaseAssignment, [phases]);
    const events = await copyInto(tx, schema.behavioralEvent, days());
    const contextRows = await copyInto(tx, schema.contextMetadata, batches(context));
    signal?.throwIfAborted();
    log.progress("seeding: adding keys and indexes");
    for (const statement of ddl.constraints) await tx.unsafe(statement);
    return { events, contextRows };
  });
  await sql.unsafe("ANALYZE");
  const seconds = (clock() - started) / 1000;
  return {
    naming,
    rows: { events, protocols: protocols.length, phases: phases.length, context: contextRows },
    seconds,
    eventsPerSecond: Math.round(events / Math.max(seconds, 1e-3)),
    defects,
  };
}

/** One line on what a seed loaded and how fast, for logs. */
export function seedSummary(result: SeedResult): string {
  const r = result.rows;
  return (
    `seeded ${r.events.toLocaleString("en")} events, ${r.protocols} protocols (${r.phases} phases), ` +
    `${r.context.toLocaleString("en")} context rows in ${result.seconds.toFixed(1)} s ` +
    `(${result.eventsPerSecond.toLocaleString("en")} events/s)`
  );
}

function protocolRow(u: PlannedUser): Row {
  const p = u.protocol!;
  const first = p.phases[0]!;
  const last = p.phases[p.phases.length - 1]!;
  return {
    id: p.id,
    // A multiple-baseline protocol names its first participant here; phase_assignments names each one.
    userId: u.id,
    protocolName: p.name,
    hypothesis: p.hypothesis,
    startDate: SEED_EPOCH_MS + first.startDay * DAY_MS,
    endDate: SEED_EPOCH_MS + last.endDay * DAY_MS,
    designType: p.design ?? "ABAB",
    primaryOutcome: "sessionPerformanceScore",
    sampleSizeTarget: last.endDay - first.startDay,
    analysisPlan: JSON.stringify({
      outcome: "sessionPerformanceScore",
      aggregation: "daily_mean",
      direction: "increase",
      effectSizes: ["NAP", "Tau-U", "SMD", "LRR"],
      alpha: 0.05,
    }),
  };
}

function phaseRows(u: PlannedUser): Row[] {
  const p = u.protocol!;
  return p.phases.map((ph) => ({
    id: ph.id,
    protocolId: p.id,
    // Whose phase it is: set for a multiple-baseline participant, null where the protocol's userId is meant.
    userId: p.design === "MULTIPLE_BASELINE" ? u.id : null,
    phaseLabel: ph.label,
    phaseType: ph.type,
    // Phases are half-open day ranges: [startDate, endDate).
    startDate: SEED_EPOCH_MS + ph.startDay * DAY_MS,
    endDate: SEED_EPOCH_MS + ph.endDay * DAY_MS,
    plannedDuration: ph.endDay - ph.startDay,
    randomizationSeed: ph.seed,
    interventionParams: ph.params ? JSON.stringify(ph.params) : null,
  }));
}
