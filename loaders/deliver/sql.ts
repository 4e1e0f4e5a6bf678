import path from "node:path";
import type { Config } from "../config.ts";
import { withDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { tmpDir } from "../store/objects.ts";
import { attachPinned } from "../store/pinned.ts";

export interface SqlResult {
  pinSet: string;
  /** The views the query could use: dataset → version. */
  views: Record<string, string>;
  columns: { name: string; type: string }[];
  /** JSON-ready values: integers as numbers (as strings beyond 2^53), timestamps as ISO 8601 UTC. */
  rows: Record<string, unknown>[];
}

/**
 * Runs ad-hoc SQL in an in-memory DuckDB where each dataset of the pin set is a view by its name over its pinned
 * object. The query is the user's own text by design; it reads the store, never writes it.
 */
export async function runSql(
  config: Config,
  query: string,
  options: { pins?: string; signal?: AbortSignal } = {},
): Promise<SqlResult> {
  const pinSet = options.pins ?? config.pinSet;
  return withDuckDB(
    async (con) => {
      const pinned = await attachPinned(con, config, pinSet);
      const views = Object.fromEntries(pinned.map((p) => [p.dataset, p.version]));
      const onAbort = () => con.interrupt();
      options.signal?.addEventListener("abort", onAbort);
      try {
        const reader = await con.runAndReadAll(query);
        const names = reader.columnNames();
        const types = reader.columnTypes().map((t) => t.toString());
        return {
          pinSet,
          views,
          columns: names.map((name, i) => ({ name, type: types[i]! })),
          rows: reader.getRowObjectsJS().map((row) => plain(row) as Record<string, unknown>),
        };
      } catch (e) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw new LabbookError(`query failed: ${(e as Error).message}`, {
          code: "E_USAGE",
          details: [`Views of pin set "${pinSet}": ${Object.keys(views).join(", ") || "(none)"}.`],
        });
      } finally {
        options.signal?.removeEventListener("abort", onAbort);
      }
    },
    { tempDir: path.join(tmpDir(config.dataDir), "duckdb") },
  );
}

/** DuckDB's JS values made JSON-ready, nested values included. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
