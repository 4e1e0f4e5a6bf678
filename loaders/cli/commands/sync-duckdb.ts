import { syncDuckdb } from "../../deliver/sync-duckdb.ts";
import { usageError } from "../../errors.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "sync-duckdb",
  usage: "[--pins SET] [--db PATH]",
  description:
    "Bring the persistent DuckDB research database to a pin set: schema research, one table per pinned dataset in\n" +
    "its sort-key order, indexes on (userId, timestamp), (eventType) and (experimentPhase) where those columns\n" +
    "exist, and research.versions recording what is loaded. Changed tables are loaded beside the old ones and swapped\n" +
    "in one transaction, so readers see the old state or the new one, never a mix. When research.versions already\n" +
    "matches the pins, nothing is written. Default database: DUCKDB_DB_PATH or data/duckdb/analytics.duckdb.",
  options: {
    pins: { type: "string", valueName: "SET", description: "The pin set to load (default LABBOOK_PINS or default)" },
    db: { type: "string", valueName: "PATH", description: "The database file (default DUCKDB_DB_PATH)" },
  },
  examples: ["labbook sync-duckdb", "labbook sync-duckdb --pins study-a --db data/duckdb/study-a.duckdb"],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook sync-duckdb takes no arguments");
    const result = await syncDuckdb(ctx.config, {
      pins: stringOption(ctx.values, "pins"),
      db: stringOption(ctx.values, "db"),
      log: ctx.log,
      signal: ctx.signal,
    });
    if (ctx.json) return printJson(ctx, result);
    ctx.out(
      result.noop
        ? `${result.db}: up to date with pin set "${result.pinSet}"`
        : `${result.db}: loaded ${result.loaded.map((l) => l.dataset).join(", ") || "nothing"}` +
            (result.dropped.length ? `; dropped ${result.dropped.join(", ")}` : ""),
    );
  },
});
