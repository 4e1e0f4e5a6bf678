import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.ts";
import { jsonRows } from "../deliver/json-values.ts";
import { lockDown } from "../deliver/sql.ts";
import { withDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { spillDir } from "../store/objects.ts";
import { openPinned } from "../store/pinned.ts";
import { siteReader } from "./context.ts";
import type { PseudonymKey } from "../pseudonym.ts";
import { sqlError, sqlReads } from "./sql-reads.ts";
import { createPinnedViews } from "./views.ts";

/** The most a loader may print: a page loads its data whole, so more means aggregate. */
export const MAX_OUTPUT_BYTES = 1_000_000;

export interface SqlLoaderRun {
  config: Config;
  /** The `.json.sql` file. */
  file: string;
  /** Route parameters (from `[name]` in the file's path), bound as `$name`. */
  params?: Record<string, string>;
  key: PseudonymKey;
}

/**
 * Runs a SQL loader and returns its JSON: the rows of its one SELECT over the datasets it names, opened at the build's
 * pins as pseudonymized views, with DuckDB fenced in as for `labbook sql`. Rows keep the query's ORDER BY, or are
 * sorted by every column when it has none, so the same pins give the same bytes.
 */
export async function runSqlLoader(run: SqlLoaderRun): Promise<string> {
  const shown = path.relative(run.config.root, run.file);
  const rows = await querySqlFile(run);
  const text = JSON.stringify(rows);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_OUTPUT_BYTES)
    throw new LabbookError(
      `${shown}: output is ${(bytes / 1e6).toFixed(2)} MB (${rows.length} rows), over the 1 MB a page may load`,
      {
        code: "E_VALIDATION",
        details: [
          "Aggregate in the query (GROUP BY, date_trunc, histogram bins): a page shows summaries, not raw rows.",
        ],
      },
    );
  return text;
}

/** The rows of a SQL file's query, run as a SQL loader is (also used for a page family's list of pages). */
export async function querySqlFile(run: SqlLoaderRun): Promise<Record<string, unknown>[]> {
  const { config } = run;
  const shown = path.relative(config.root, run.file);
  const sql = await readFile(run.file, "utf8");
  return withDuckDB(
    async (con) => {
      const reads = await sqlReads(con, sql, shown);
      // Only the datasets it reads are checked against their hashes and opened.
      const { objects } = await openPinned(config, { reads: reads.tables, ...siteReader(shown) });
      await createPinnedViews(con, objects, run.key);
      await lockDown(
        con,
        objects.flatMap((o) => o.files),
      );
      const params = run.params ?? {};
      const unbound = reads.parameters.filter((p) => params[p] === undefined);
      if (unbound.length)
        throw new LabbookError(
          `${shown}: the query uses ${unbound.map((p) => `$${p}`).join(", ")}, which no route gives`,
          {
            code: "E_VALIDATION",
            details: [
              `Name the file after the parameter, e.g. [${unbound[0]}].json.sql, to get it from the page's route.`,
            ],
          },
        );
      try {
        const statement = await con.prepare(sql);
        for (const name of reads.parameters) statement.bindVarchar(statement.parameterIndex(name), params[name]!);
        const result = jsonRows(await statement.runAndReadAll());
        return reads.ordered ? result : result.sort(compareRows);
      } catch (e) {
        if (e instanceof LabbookError) throw e;
        throw sqlError(shown, e as Error);
      }
    },
    { tempDir: spillDir(config.dataDir) },
  );
}

/** Orders rows by their values column by column: nulls first, then numbers, then text (by code point), then others. */
function compareRows(a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const key of Object.keys(a)) {
    const c = compareValues(a[key], b[key]);
    if (c) return c;
  }
  return 0;
}

function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) =>
    v === null || v === undefined ? 0 : typeof v === "number" ? 1 : typeof v === "string" ? 2 : 3;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === "number") return a - (b as number);
  const [x, y] = typeof a === "string" ? [a, b as string] : [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
