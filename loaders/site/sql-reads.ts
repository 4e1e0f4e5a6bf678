import type { DuckDBConnection } from "@duckdb/node-api";
import { DATASET_NAME } from "../datasets/define.ts";
import { LabbookError } from "../errors.ts";

/** What a loader's query reads, found by DuckDB's own parser. */
export interface SqlReads {
  /** The tables it names (its CTEs left out): for a loader, the pinned datasets it reads. */
  tables: string[];
  /** Named parameters it uses ($protocol → "protocol"). */
  parameters: string[];
  /** Whether the outermost query has an ORDER BY (otherwise the runner orders the rows itself). */
  ordered: boolean;
}

/** Table functions that read nothing outside the query. Any other (read_csv, read_parquet, query, …) is refused. */
const PURE_TABLE_FUNCTIONS = new Set(["range", "generate_series", "unnest"]);

/**
 * Parses a loader's SQL with DuckDB (json_serialize_sql) and lists what it reads. Refuses, naming `file`, anything but
 * one SELECT, a table given as a path or with a schema, and table functions that read files.
 */
export async function sqlReads(con: DuckDBConnection, sql: string, file: string): Promise<SqlReads> {
  const reader = await con.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR) AS tree", [sql]);
  const tree = JSON.parse(String(reader.getRowObjectsJS()[0]!.tree)) as Tree;
  if (tree.error) throw await notOneSelect(con, sql, file, String(tree.error_message ?? ""));
  const statements = tree.statements as Tree[];
  if (statements.length !== 1)
    throw refused(file, `has ${statements.length} statements; a SQL loader runs exactly one SELECT`);
  const tables = new Set<string>();
  const ctes = new Set<string>();
  const parameters = new Set<string>();
  walk(statements[0], (node) => {
    if (node.type === "BASE_TABLE") {
      const name = String(node.table_name);
      if (node.schema_name || node.catalog_name)
        throw refused(file, `reads ${[node.catalog_name, node.schema_name, name].filter(Boolean).join(".")}`);
      // A path given as a table ('x.csv') is a file read; dataset names are plain identifiers.
      if (!DATASET_NAME.test(name) && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw refused(file, `reads '${name}', which is not a dataset`);
      tables.add(name);
    } else if (node.type === "TABLE_FUNCTION") {
      const fn = String((node.function as Tree).function_name);
      if (!PURE_TABLE_FUNCTIONS.has(fn.toLowerCase())) throw refused(file, `calls ${fn}()`);
    } else if (node.type === "VALUE_PARAMETER" && typeof node.identifier === "string") {
      parameters.add(node.identifier);
    }
    const map = (node.cte_map as Tree | undefined)?.map;
    if (Array.isArray(map)) for (const entry of map as Tree[]) ctes.add(String(entry.key));
  });
  const modifiers = ((statements[0]!.node as Tree | undefined)?.modifiers ?? []) as Tree[];
  return {
    tables: [...tables].filter((t) => !ctes.has(t)).sort(),
    parameters: [...parameters].sort(),
    ordered: modifiers.some((m) => m.type === "ORDER_MODIFIER"),
  };
}

type Tree = Record<string, unknown>;

function walk(value: unknown, visit: (node: Tree) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (value && typeof value === "object") {
    visit(value as Tree);
    for (const v of Object.values(value)) walk(v, visit);
  }
}

const refused = (file: string, what: string) =>
  new LabbookError(`${file}: not allowed: the query ${what}`, {
    code: "E_VALIDATION",
    details: [
      "A SQL loader is one SELECT over pinned datasets, each named as a table: no files, ATTACH, COPY, INSTALL or SET.",
    ],
  });

/** Why DuckDB would not serialize the text: a syntax error (with its position), or a statement other than SELECT. */
async function notOneSelect(con: DuckDBConnection, sql: string, file: string, message: string): Promise<LabbookError> {
  let count: number;
  try {
    count = (await con.extractStatements(sql)).count;
  } catch (e) {
    return sqlError(file, e as Error);
  }
  if (count !== 1) return refused(file, `has ${count} statements; a SQL loader runs exactly one SELECT`);
  const keyword = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
  return refused(file, keyword ? `is ${keyword}, not SELECT` : `is not a SELECT (${message})`);
}

/**
 * A DuckDB error as the build reports it: the loader file, the line when DuckDB gives one ("LINE 3:"), and DuckDB's
 * message with its caret under the position.
 */
export function sqlError(file: string, error: Error): LabbookError {
  const message = error.message.replace(/^Failed to extract statements: /, "");
  const line = /\nLINE (\d+):/.exec(message)?.[1];
  return new LabbookError(`${file}${line ? `:${line}` : ""}: ${message}`, { code: "E_VALIDATION" });
}
