import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { z } from "zod";
import { int, text, time } from "../../loaders/datasets/columns.ts";
import { defineDataset, type DatasetDef } from "../../loaders/datasets/define.ts";
import { sqlString } from "../../loaders/sql-quote.ts";
import { openDuckDB } from "../../loaders/duckdb.ts";
import type { SchemaField } from "../../loaders/lineage/record.ts";
import { runChecksOnFile, type CheckResult, type CheckSpec } from "../../loaders/quality/index.ts";

const files = { kind: "files", format: "csv" } as const;

/** Small datasets shaped like the real ones: events of users, protocols of users, phases of protocols. */
export const events = defineDataset({
  name: "events",
  description: "fixture",
  source: files,
  schema: z.object({
    id: text(),
    userId: text().nullable(),
    kind: text().nullable(),
    score: int().nullable(),
    label: text().nullable(),
    ts: time(),
  }),
  primaryKey: ["id"],
  sortKey: ["id"],
});

export const protocols = defineDataset({
  name: "protocols",
  description: "fixture",
  source: files,
  schema: z.object({ id: text(), userId: text(), startDate: time(), endDate: time().nullable() }),
  primaryKey: ["id"],
  sortKey: ["id"],
});

export const phases = defineDataset({
  name: "phases",
  description: "fixture",
  source: files,
  schema: z.object({ id: text(), protocolId: text(), userId: text().nullable(), label: text() }),
  primaryKey: ["id"],
  sortKey: ["id"],
});

const fixtureDefs: Record<string, DatasetDef> = { events, protocols, phases };

/** `events` rows as SQL: (id, userId, kind, score, label, ts) tuples, ts given as 'YYYY-MM-DD HH:MM'. */
export const eventRows = (...rows: [string, string | null, string | null, number | null, string | null, string][]) =>
  rows.length === 0
    ? `SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS userId, NULL::VARCHAR AS kind, NULL::INTEGER AS score,
        NULL::VARCHAR AS label, NULL::TIMESTAMPTZ AS ts WHERE false`
    : `SELECT * FROM (VALUES ${rows
        .map(
          ([id, user, kind, score, label, ts]) =>
            `(${sqlString(id)}, ${user === null ? "NULL" : sqlString(user)}, ${kind === null ? "NULL" : sqlString(kind)}, ` +
            `${score === null ? "NULL" : score}::INTEGER, ${label === null ? "NULL" : sqlString(label)}, ` +
            `TIMESTAMPTZ ${sqlString(`${ts}:00+00`)})`,
        )
        .join(", ")}) AS t(id, userId, kind, score, label, ts)`;

export interface Fixture {
  /** Runs one check on `rows` (a SELECT), with other datasets given as SELECTs too. */
  check(
    spec: CheckSpec,
    rows: string,
    options?: {
      inputs?: Record<string, string>;
      previous?: SchemaField[];
      /** The compared version's rows (a SELECT) for drift checks; none means a first version. */
      baseline?: string;
      /**
       * Rows (SELECTs) of objects both versions share, as partitioned versions share their unchanged partitions:
       * each is written once and read as a file of both, after `rows` and `baseline`.
       */
      shared?: string[];
      createdAt?: string;
      now?: string;
      def?: DatasetDef;
    },
  ): Promise<CheckResult>;
  close(): Promise<void>;
}

/**
 * One DuckDB connection and a temp dir of Parquet files for a test file. `memoryLimit` bounds the connection, and
 * `spill: false` makes a query that exceeds it fail rather than spill to disk.
 */
export async function createFixture(duck: { memoryLimit?: string; spill?: false } = {}): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), "labbook-checks-"));
  const { instance, con } = await openDuckDB({ memoryLimit: duck.memoryLimit });
  // Without a temp_directory of its own, DuckDB spills to .tmp in the working directory; '' turns spilling off.
  if (duck.spill === false) await con.run("SET temp_directory = ''");
  let n = 0;
  const write = async (c: DuckDBConnection, select: string) => {
    const file = path.join(dir, `${n++}.parquet`);
    await c.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`);
    return file;
  };
  return {
    async check(spec, rows, options = {}) {
      const def = { ...(options.def ?? events), checks: [spec] };
      const file = await write(con, rows);
      const inputs = new Map<string, string>();
      for (const [name, select] of Object.entries(options.inputs ?? {})) inputs.set(name, await write(con, select));
      const shared: string[] = [];
      for (const select of options.shared ?? []) shared.push(await write(con, select));
      const baselineFile = options.baseline === undefined ? undefined : await write(con, options.baseline);
      const baseline = baselineFile && (shared.length ? [baselineFile, ...shared] : baselineFile);
      const report = await runChecksOnFile(con, def, shared.length ? [file, ...shared] : file, {
        version: `sha256:${"ab".repeat(32)}`,
        createdAt: Date.parse(options.createdAt ?? "2025-07-01T00:00:00Z"),
        clock: () => Date.parse(options.now ?? "2025-07-01T00:00:00Z"),
        previous: options.previous ? { version: `sha256:${"cd".repeat(32)}`, fields: options.previous } : undefined,
        async baseline() {
          return baseline ? { def, version: `sha256:${"12".repeat(32)}`, files: baseline } : undefined;
        },
        async resolve(name) {
          const p = inputs.get(name);
          return p ? { def: fixtureDefs[name]!, version: `sha256:${"ef".repeat(32)}`, files: p } : undefined;
        },
      });
      return report.results[0]!;
    },
    async close() {
      con.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
