import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { sqlString } from "../sql-quote.ts";
import { withDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { spillDir } from "../store/objects.ts";
import { attachPinned } from "../store/pinned.ts";
import { jsonRows } from "./json-values.ts";

export interface SqlResult {
  pinSet: string;
  /** The views the query could use: dataset → version. */
  views: Record<string, string>;
  columns: { name: string; type: string }[];
  /** JSON-ready values (see json-values.ts): dates as YYYY-MM-DD, timestamps as ISO 8601 UTC, safe integers as numbers. */
  rows: Record<string, unknown>[];
}

/**
 * Runs ad-hoc SQL in an in-memory DuckDB where each dataset of the pin set is a view by its name over its pinned
 * object. The query is the user's own text by design, so it is fenced in: one statement that reads (SELECT, WITH,
 * FROM, DESCRIBE, SUMMARIZE, …), in a DuckDB that may open only the pinned objects and cannot be configured back.
 */
export async function runSql(
  config: Config,
  query: string,
  options: { pins?: string; signal?: AbortSignal } = {},
): Promise<SqlResult> {
  const pinSet = options.pins ?? config.pinSet;
  return withDuckDB(
    async (con) => {
      const { objects } = await attachPinned(con, config, { set: pinSet });
      const views = Object.fromEntries(objects.map((p) => [p.dataset, p.version]));
      await lockDown(
        con,
        objects.flatMap((p) => p.files),
      );
      const viewList = `Views of pin set "${pinSet}": ${Object.keys(views).join(", ") || "(none)"}.`;
      const onAbort = () => con.interrupt();
      options.signal?.addEventListener("abort", onAbort);
      let statement: DuckDBPreparedStatement | undefined;
      try {
        statement = await prepareRead(con, query, viewList);
        const reader = await statement.runAndReadAll();
        const names = reader.columnNames();
        const types = reader.columnTypes().map((t) => t.toString());
        return {
          pinSet,
          views,
          columns: names.map((name, i) => ({ name, type: types[i]! })),
          rows: jsonRows(reader),
        };
      } catch (e) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (e instanceof LabbookError) throw e;
        const message = (e as Error).message.replace(/^Failed to extract statements: /, "");
        if (message.startsWith("Permission Error"))
          throw refused(message, [
            "labbook sql reads only the pinned objects, through the views named after their datasets.",
            viewList,
          ]);
        throw new LabbookError(`query failed: ${message}`, { code: "E_USAGE", details: [viewList] });
      } finally {
        statement?.destroySync();
        options.signal?.removeEventListener("abort", onAbort);
      }
    },
    { tempDir: spillDir(config.dataDir) },
  );
}

/**
 * Run once the views exist: from here DuckDB may open only the pinned objects (and spill to its temp directory), so
 * no query can read other files or write any, and locking the configuration keeps a query from undoing it.
 */
export async function lockDown(con: DuckDBConnection, files: string[]): Promise<void> {
  await con.run(`SET allowed_paths = [${files.map(sqlString).join(", ")}]`);
  await con.run("SET enable_external_access = false");
  await con.run("SET lock_configuration = true");
}

const refused = (detail: string, details: string[]) =>
  new LabbookError(`query refused: ${detail}`, { code: "E_USAGE", details });

/** Prepares the query, accepting exactly one statement that reads: the prepared statement is what then runs. */
async function prepareRead(con: DuckDBConnection, query: string, viewList: string): Promise<DuckDBPreparedStatement> {
  const extracted = await con.extractStatements(query).catch((e: Error) => {
    // DuckDB reports text with no statement at all (empty, or only comments) without a message of its own.
    if (/native callback/.test(e.message)) throw refused("no SQL statement given", [viewList]);
    throw e;
  });
  const readOnly = "labbook sql runs one statement that reads: SELECT, WITH … SELECT, FROM …, DESCRIBE or SUMMARIZE.";
  if (extracted.count !== 1) throw refused(`${extracted.count} statements given, one expected`, [readOnly, viewList]);
  const notReadOnly = (kind?: string) =>
    refused(`${kind ? `${kind} is ` : ""}not a read-only statement`, [
      readOnly,
      'To save results, redirect them ("--format csv > FILE") or use "labbook export".',
    ]);
  let statement: DuckDBPreparedStatement;
  try {
    statement = await extracted.prepare(0);
  } catch (e) {
    // A write that cannot even bind (INSERT into a view) is still a write: say so rather than why it failed to bind.
    if (!(await isSelect(con, query))) throw notReadOnly();
    throw e;
  }
  if (statement.statementType !== StatementType.SELECT) {
    const kind = StatementType[statement.statementType];
    statement.destroySync();
    throw notReadOnly(kind);
  }
  return statement;
}

/** Whether DuckDB parses the text as a SELECT, without binding it: json_serialize_sql serialises SELECTs only. */
async function isSelect(con: DuckDBConnection, query: string): Promise<boolean> {
  const reader = await con.runAndReadAll(
    "SELECT coalesce((json_serialize_sql($1::VARCHAR)::JSON ->> 'error')::BOOLEAN, false) AS failed",
    [query],
  );
  return reader.getRowObjectsJS()[0]?.failed === false;
}
