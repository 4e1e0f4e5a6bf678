import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { datasets } from "../datasets/index.ts";
import { isLabbookError } from "../errors.ts";
import { compileSchema } from "../datasets/rules.ts";
import { quoteIdent } from "../sql-quote.ts";
import { parquet, queryRows, withDuckDB } from "../duckdb.ts";
import { readRecord } from "../lineage/catalog.ts";
import { pinSet, type Pins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { manifestKey, objectKey, type Remote } from "./remote.ts";
import { isLocal, readableFiles } from "./files.ts";
import { parquetSchema } from "./parquet.ts";

export interface PinStatus {
  dataset: string;
  version: string;
  local: boolean;
  /** Null when no remote is configured or it could not be listed. */
  remote: boolean | null;
  /** "local" when the store has it, "remote" when only the remote has it, otherwise "missing". */
  state: "local" | "remote" | "missing";
  /** When the version was made (its lineage record), and how long ago. */
  createdAt: string | null;
  ageSeconds: number | null;
  /** The column whose maximum says how fresh the data is, its newest value, and how long ago that was. */
  timeColumn: string | null;
  newestRow: string | null;
  freshnessSeconds: number | null;
  /**
   * What makes the pin itself wrong, if anything: a dataset no definition names, or a version with no (readable)
   * lineage record, which no labbook command made here. Null for a sound pin, even when its object is missing.
   */
  problem: string | null;
}

export interface StatusOptions {
  remote?: Remote;
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
}

/** The state of every dataset a pin set names: where its object is, its age, and the freshness of its newest row. */
export async function pinStatus(
  config: Config,
  pins: Pins,
  set: string,
  options: StatusOptions = {},
): Promise<PinStatus[]> {
  const log = options.log ?? silentLogger;
  const now = (options.clock ?? Date.now)();
  const chosen = Object.entries(pinSet(pins, set));
  let onRemote: Map<string, number> | undefined;
  if (options.remote) {
    onRemote = await options.remote.list("objects/", options.signal).catch((e) => {
      log.warn(`remote ${options.remote!.url} not listed: ${(e as Error).message}`);
      return undefined;
    });
  }
  return withDuckDB(async (con) => {
    const out: PinStatus[] = [];
    for (const [dataset, version] of chosen) {
      options.signal?.throwIfAborted();
      // A partitioned version is on the remote once its manifest is: push sends the manifest after its objects.
      const local = await isLocal(config.dataDir, version);
      const remote = onRemote ? onRemote.has(objectKey(version)) || onRemote.has(manifestKey(version)) : null;
      let problem: string | null = datasets.some((d) => d.name === dataset)
        ? null
        : "no dataset of this name is defined";
      const createdAt = await readRecord(config.lineageDir, dataset, version).then(
        (r) => r.eventTime,
        (e: unknown) => {
          problem ??= isLabbookError(e, "E_NOT_FOUND")
            ? "no lineage record of this version"
            : `unreadable lineage record: ${(e as Error).message}`;
          return null;
        },
      );
      // The newest row is read from bytes checked against the version, as every reader does. A corrupt object is
      // this pin's problem to report, not a reason to stop listing the others.
      const files = local
        ? await readableFiles(config.dataDir, version, dataset).catch((e: unknown) => {
            if (!isLabbookError(e, "E_INTEGRITY")) throw e;
            problem = e.message;
            return undefined;
          })
        : undefined;
      const fresh = files ? await newestRow(con, dataset, files) : { column: null, newest: null };
      out.push({
        dataset,
        version,
        local,
        remote,
        state: local ? "local" : remote ? "remote" : "missing",
        createdAt,
        ageSeconds: createdAt ? Math.round((now - Date.parse(createdAt)) / 1000) : null,
        timeColumn: fresh.column,
        newestRow: fresh.newest,
        freshnessSeconds: fresh.newest ? Math.round((now - Date.parse(fresh.newest)) / 1000) : null,
        problem,
      });
    }
    return out;
  });
}

/** The source's time column, else the first TIMESTAMPTZ column of the definition, else of the file. */
async function newestRow(
  con: DuckDBConnection,
  dataset: string,
  files: string[],
): Promise<{ column: string | null; newest: string | null }> {
  const fields = await parquetSchema(con, files);
  const def = datasets.find((d) => d.name === dataset);
  const candidates = [
    def?.source?.timeColumn,
    def && compileSchema(def.schema).find((c) => c.duckdbType === "TIMESTAMPTZ")?.name,
    fields.find((f) => f.type === "TIMESTAMP WITH TIME ZONE")?.name,
  ];
  // Only a column the file really has is quoted into SQL.
  const column = candidates.find((c) => c && fields.some((f) => f.name === c));
  if (!column) return { column: null, newest: null };
  const [row] = await queryRows<{ ms: number | null }>(
    con,
    `SELECT epoch_ms(max(${quoteIdent(column)})::TIMESTAMPTZ) AS ms FROM ${parquet(files)}`,
  );
  return { column, newest: row?.ms == null ? null : new Date(Number(row.ms)).toISOString() };
}
