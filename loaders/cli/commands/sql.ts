import { csvText } from "../../deliver/csv-text.ts";
import { runSql } from "../../deliver/sql.ts";
import { usageError } from "../../errors.ts";
import { choiceOption, stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "sql",
  usage: '"<query>" [--pins SET] [--format table|csv|json]',
  description:
    "Run ad-hoc DuckDB SQL over a pin set: every pinned dataset is a view by its name, over its pinned Parquet\n" +
    "object. Results go to stdout (--json is the same as --format json). The query must be one statement that\n" +
    "reads (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE); DuckDB may open only the pinned objects, so COPY, ATTACH,\n" +
    "CREATE, INSERT and reading other files are refused (exit 2). Nothing is written, to the store or elsewhere.",
  options: {
    pins: {
      type: "string",
      valueName: "SET",
      description: "The pin set whose datasets are views (default LABBOOK_PINS or default)",
    },
    format: { type: "string", valueName: "FORMAT", description: "table (default), csv or json" },
  },
  examples: [
    'labbook sql "SELECT eventType, count(*) AS n FROM behavioral_events GROUP BY ALL ORDER BY n DESC"',
    'labbook sql --pins study-a --format csv "SELECT * FROM context_metadata" > context.csv',
  ],
  async run(ctx) {
    const [query, ...extra] = ctx.positionals;
    if (!query || extra.length) throw usageError('labbook sql: give one query, quoted: labbook sql "SELECT …"');
    const format = ctx.json ? "json" : choiceOption(ctx.values, "format", ["table", "csv", "json"] as const, "table");
    const result = await runSql(ctx.config, query, { pins: stringOption(ctx.values, "pins"), signal: ctx.signal });
    const names = result.columns.map((c) => c.name);
    if (format === "json") return printJson(ctx, result.rows);
    if (format === "csv") {
      ctx.out(csvText(names, result.rows));
      return;
    }
    ctx.out(
      formatTable(
        names,
        result.rows.map((r) =>
          names.map((n) => (r[n] !== null && typeof r[n] === "object" ? JSON.stringify(r[n]) : r[n])),
        ),
      ),
    );
    ctx.log.info(`${result.rows.length} row${result.rows.length === 1 ? "" : "s"}`);
  },
});
