import { datasets, getDataset, makerCommand, sourceDatasets } from "../../datasets/index.ts";
import { LabbookError, usageError } from "../../errors.ts";
import { assertFilterable, resolveFilters } from "../../ingest/filters.ts";
import { ingestPostgres, type IngestResult } from "../../ingest/postgres.ts";
import type { ValidationMode } from "../../ingest/validate.ts";
import { orderForChecks } from "../../quality/order.ts";
import { detectNaming } from "../../sources/naming.ts";
import { seedWhenEmpty } from "../../seed/when-empty.ts";
import { redact, withDatabase } from "../../sources/postgres.ts";
import { shortVersion } from "../../lineage/version.ts";
import { intOption, MAX_DAYS, stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { ingestFilesCommand, wantsFiles } from "./_ingest-files.ts";

export default defineCommand({
  name: "ingest",
  usage:
    "<dataset>|--all [--days N | --since ISO --until ISO] [--user-id ID] [--from GLOB] [--non-strict] [--no-validate]" +
    " [--full] [--sync-duckdb] [--json]",
  description:
    "Export source datasets from PostgreSQL to immutable, content-hashed Parquet versions with lineage records.\n" +
    "Rows stream through COPY into DuckDB and out as zstd Parquet sorted by the dataset's sort key; the file is hashed\n" +
    "as it is written. Identical bytes give the same version, stored once. Rows are validated against the dataset's\n" +
    "zod schema: by default any invalid row fails the ingest and nothing is written.\n\n" +
    "With no DATABASE_URL it reads the embedded PostgreSQL, which it first seeds with the demo data (as labbook seed\n" +
    "with its defaults) when it has no source tables. A DATABASE_URL database is never seeded.\n\n" +
    "A partitioned dataset (behavioral_events, by day) is stored as one object per partition plus a manifest. Its\n" +
    "ingest fingerprints each partition in PostgreSQL (row count and an order-free hash; no rows transferred) and\n" +
    "re-exports only the partitions that changed since its latest unfiltered version; the others are reused. The\n" +
    "version is the same as a --full ingest of the same rows would give.",
  options: {
    all: {
      type: "boolean",
      description: `Ingest every source dataset (${sourceDatasets()
        .map((d) => d.name)
        .join(", ")})`,
    },
    days: { type: "string", valueName: "N", description: "Only rows from the last N days" },
    since: {
      type: "string",
      valueName: "ISO",
      description: "Only rows at or after this ISO 8601 date (midnight UTC) or time (UTC unless it ends in ±HH:MM)",
    },
    until: { type: "string", valueName: "ISO", description: "Only rows before this date or time (as --since)" },
    "user-id": {
      type: "string",
      valueName: "ID",
      description: "Only rows of this user (a bound parameter, never SQL text)",
    },
    "non-strict": {
      type: "boolean",
      description: "Version the valid rows; write invalid ones to a rejects Parquet with reasons",
    },
    "no-validate": { type: "boolean", description: "Skip validation (recorded in the lineage)" },
    full: {
      type: "boolean",
      description: "Partitioned datasets: re-export every partition instead of only the changed ones",
    },
    "sync-duckdb": {
      type: "boolean",
      description: "Afterwards bring the DuckDB research database to the pin set (as labbook sync-duckdb)",
    },
    from: {
      type: "string",
      valueName: "GLOB",
      description: "Read NDJSON/CSV files into a file-source dataset (default: its defaultGlob)",
    },
  },
  examples: [
    "labbook ingest --all",
    "labbook ingest behavioral_events --since 2025-09-01",
    "labbook ingest behavioral_events --since 2025-07-01 --until 2025-08-01 --non-strict",
    "labbook ingest context_metadata --user-id cmbb88zk000080007b9ja7ylw --json",
    "labbook ingest operation_events --from 'logs/ops-*.ndjson' --non-strict",
  ],
  async run(ctx) {
    if (wantsFiles(ctx)) return ingestFilesCommand(ctx);
    // Referenced datasets first, so each version's checks read the other datasets' new versions.
    const names = ctx.values.all ? orderForChecks(sourceDatasets()).map((d) => d.name) : ctx.positionals;
    if (names.length === 0)
      throw usageError("labbook ingest: name a dataset or pass --all", [
        `Known datasets: ${datasets.map((d) => d.name).join(", ")}.`,
      ]);
    if (ctx.values.all && ctx.positionals.length)
      throw usageError("labbook ingest: give dataset names or --all, not both");
    const defs = names.map((n) => getDataset(n));
    for (const def of defs) {
      if (def.source?.kind !== "postgres") {
        throw usageError(`labbook ingest: ${def.name} is not a PostgreSQL source`, [
          def.derive || def.produced
            ? `Its versions are made by "${makerCommand(def)}".`
            : `Use "labbook ingest ${def.name} --from <glob>".`,
        ]);
      }
    }
    if (ctx.values["non-strict"] && ctx.values["no-validate"])
      throw usageError("--non-strict and --no-validate exclude each other");
    const validation: ValidationMode = ctx.values["no-validate"]
      ? "skipped"
      : ctx.values["non-strict"]
        ? "non-strict"
        : "strict";
    const filters = {
      days: ctx.values.days === undefined ? undefined : intOption(ctx.values, "days", 0, 1, MAX_DAYS),
      since: stringOption(ctx.values, "since"),
      until: stringOption(ctx.values, "until"),
      userId: stringOption(ctx.values, "user-id"),
    };
    // Checked before connecting: a bad argument must not start the embedded server first.
    const resolved = resolveFilters(filters, Date.now());
    if (!ctx.values.all) for (const def of defs) assertFilterable(def, resolved);
    // The URL with its password, once known: an embedded server's password is only known after connecting.
    let url = ctx.config.databaseUrl;
    const results: IngestResult[] = await withDatabase(
      ctx.config,
      async (db) => {
        url = db.url;
        await seedWhenEmpty(db, { log: ctx.log, signal: ctx.signal });
        const naming = await detectNaming(db.sql, ctx.log);
        const out: IngestResult[] = [];
        for (const def of defs) {
          // With --all, filters apply where the dataset has the column; a dataset without it is taken whole.
          const f = ctx.values.all
            ? applicable(def.source as { timeColumn?: string; userColumn?: string }, filters)
            : filters;
          out.push(
            await ingestPostgres(def, db, naming, ctx.config, {
              filters: f,
              validation,
              log: ctx.log,
              signal: ctx.signal,
              full: ctx.values.full === true,
            }),
          );
        }
        return out;
      },
      { log: ctx.log },
    ).catch((e) => {
      if (e instanceof LabbookError || ctx.signal.aborted) throw e;
      throw ingestFailure(e, url);
    });
    if (ctx.values["sync-duckdb"]) {
      const { syncAfterIngest } = await import("../../deliver/sync-duckdb.ts");
      await syncAfterIngest(ctx.config, results, { log: ctx.log, signal: ctx.signal });
    }
    if (ctx.json) return printJson(ctx, results);
    for (const r of results) {
      ctx.out(
        `${r.dataset}@${shortVersion(r.version)}  ${r.rowCount} rows  ${r.size} bytes  ${r.stored ? "new" : r.reproduced ? "reproduced" : "unchanged"}${r.partitions ? `  partitions: ${r.partitions.written} written, ${r.partitions.reused} reused` : ""}${r.quality ? `  checks: ${r.quality.status}` : ""}`,
      );
    }
  },
});

/** An unexpected error as a LabbookError, with any password of the database URL taken out of its message. */
export function ingestFailure(error: unknown, url: string | undefined): LabbookError {
  const message = error instanceof Error ? error.message : String(error);
  return new LabbookError(`ingest failed: ${redact(message, url)}`, {
    code: "E_DATABASE",
    cause: error,
    details: ["A dataset whose ingest failed gets no new version. Check the database, then run the ingest again."],
  });
}

function applicable(
  source: { timeColumn?: string; userColumn?: string },
  f: { days?: number; since?: string; until?: string; userId?: string },
) {
  return {
    ...(source.timeColumn ? { days: f.days, since: f.since, until: f.until } : {}),
    ...(source.userColumn ? { userId: f.userId } : {}),
  };
}
