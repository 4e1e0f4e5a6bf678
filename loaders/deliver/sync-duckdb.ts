import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { quoteIdent } from "../sql-quote.ts";
import { parquet } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { tmpDir } from "../store/objects.ts";
import { parquetRowCount, parquetSchema } from "../store/parquet.ts";
import { readPins } from "../lineage/pins.ts";
import { openPinned, type PinnedDataset } from "../store/pinned.ts";
import { shortVersion } from "../lineage/version.ts";
import { makeDir } from "../make-dir.ts";

export const SCHEMA = "research";
/** Tables being loaded, before the swap. A run that was interrupted leaves them; the next run drops them. */
const STAGING_PREFIX = "_labbook_load_";

/** The indexes made where the columns exist: the lookups researchers run most. */
const INDEXES: { suffix: string; columns: string[] }[] = [
  { suffix: "user_time", columns: ["userId", "timestamp"] },
  { suffix: "event_type", columns: ["eventType"] },
  { suffix: "phase", columns: ["experimentPhase"] },
];

export interface SyncOptions {
  /** The pin set to load; default the configured one (LABBOOK_PINS or "default"). */
  pins?: string;
  /** The database file; default the configured DUCKDB_DB_PATH (data/duckdb/analytics.duckdb). */
  db?: string;
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
}

export interface SyncResult {
  db: string;
  pinSet: string;
  /** True when research.versions already matched the pins: nothing was written. */
  noop: boolean;
  loaded: { dataset: string; version: string; rows: number; indexes: string[] }[];
  dropped: string[];
  unchanged: string[];
}

/**
 * Opens the research database. Always through DuckDB's instance cache with the same settings, so every connection
 * in this process shares one database; another process cannot open the file while it is open here (DuckDB's lock).
 */
export async function openResearchDb(config: Config, file = config.duckdbPath) {
  const spill = path.join(tmpDir(config.dataDir), "duckdb");
  try {
    await makeDir(path.dirname(file));
    await mkdir(spill, { recursive: true });
    const instance = await DuckDBInstance.fromCache(file, {
      memory_limit: "512MB",
      threads: "2",
      temp_directory: spill,
      autoinstall_known_extensions: "false",
    });
    const con = await instance.connect();
    await con.run("SET TimeZone = 'UTC'");
    return { instance, con };
  } catch (e) {
    const message = (e as Error).message;
    const pid = /PID (\d+)/.exec(message)?.[1];
    if (/Could not set lock/.test(message))
      throw new LabbookError(`the research database ${file} is open in another process${pid ? ` (pid ${pid})` : ""}`, {
        code: "E_LOCKED",
        details: ["DuckDB lets one process write a database file: close that process and run again."],
      });
    throw new LabbookError(`cannot open the research database ${file}: ${message}`, { code: "E_IO", cause: e });
  }
}

/**
 * Brings the research database to a pin set: one table per pinned dataset in schema `research`, in the version's
 * row order (its sort key), with indexes where the columns exist, and `research.versions` saying what is loaded.
 * Changed datasets are loaded into staging tables first, then swapped in with the versions rows in one transaction,
 * so a reader sees the old state or the new one, never a mix. When the versions already match, nothing is written.
 */
export async function syncDuckdb(config: Config, options: SyncOptions = {}): Promise<SyncResult> {
  const log = options.log ?? silentLogger;
  const pinSet = options.pins ?? config.pinSet;
  const file = path.resolve(options.db ?? config.duckdbPath);
  const { objects } = await openPinned(config, { set: pinSet });
  const { instance, con } = await openResearchDb(config, file);
  const onAbort = () => con.interrupt();
  options.signal?.addEventListener("abort", onAbort);
  const staged: string[] = [];
  try {
    // Qualified by the database's own name: a file called research.duckdb makes "research" a catalog too.
    const [[catalog]] = (await con.runAndReadAll("SELECT current_database()")).getRows() as [[string]];
    const schema = `${quoteIdent(catalog)}.${SCHEMA}`;
    await con.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await con.run(
      `CREATE TABLE IF NOT EXISTS ${schema}.versions
         (dataset VARCHAR NOT NULL, version VARCHAR NOT NULL, row_count BIGINT, pin_set VARCHAR, loaded_at TIMESTAMPTZ)`,
    );
    const tables = await researchTables(con, catalog);
    for (const t of tables.filter((t) => t.startsWith(STAGING_PREFIX)))
      await con.run(`DROP TABLE IF EXISTS ${schema}.${quoteIdent(t)}`);
    const current = new Map(
      (await con.runAndReadAll(`SELECT dataset, version, pin_set FROM ${schema}.versions`))
        .getRowObjectsJS()
        .map((r) => [r.dataset as string, { version: r.version as string, pinSet: r.pin_set as string }]),
    );
    const toLoad = objects.filter((o) => current.get(o.dataset)?.version !== o.version || !tables.includes(o.dataset));
    const pinned = new Set(objects.map((o) => o.dataset));
    const toDrop = [...current.keys()].filter((d) => !pinned.has(d)).sort();
    const unchanged = objects.filter((o) => !toLoad.includes(o)).map((o) => o.dataset);
    const relabel = unchanged.some((d) => current.get(d)?.pinSet !== pinSet);
    if (!toLoad.length && !toDrop.length && !relabel) {
      log.info(`research database is up to date with pin set "${pinSet}" (${unchanged.length} datasets)`);
      return { db: file, pinSet, noop: true, loaded: [], dropped: [], unchanged };
    }

    const loaded: (PinnedDataset & { rows: number; indexes: string[] })[] = [];
    for (const o of toLoad) {
      options.signal?.throwIfAborted();
      log.progress(`sync-duckdb: loading ${o.dataset}@${shortVersion(o.version)}`);
      const staging = `${STAGING_PREFIX}${o.dataset}`;
      staged.push(`${schema}.${quoteIdent(staging)}`);
      // Objects are stored in their sort key's order and DuckDB keeps insertion order: no second sort needed.
      await con.run(`CREATE TABLE ${schema}.${quoteIdent(staging)} AS SELECT * FROM ${parquet(o.files)}`);
      loaded.push({ ...o, rows: await parquetRowCount(con, o.files), indexes: await indexesFor(con, o) });
    }
    const loadedAt = new Date((options.clock ?? Date.now)()).toISOString();
    await swap(con, schema, { loaded, toDrop, pinSet, loadedAt });
    staged.length = 0;
    for (const l of loaded) log.info(`research.${l.dataset}: ${l.version.slice(7, 19)} (${l.rows} rows)`);
    for (const d of toDrop) log.info(`research.${d}: dropped (no longer pinned in "${pinSet}")`);
    return {
      db: file,
      pinSet,
      noop: false,
      loaded: loaded.map(({ dataset, version, rows, indexes }) => ({ dataset, version, rows, indexes })),
      dropped: toDrop,
      unchanged,
    };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    for (const s of staged) await con.run(`DROP TABLE IF EXISTS ${s}`).catch(() => {});
    con.closeSync();
    instance.closeSync();
  }
}

async function researchTables(con: DuckDBConnection, catalog: string): Promise<string[]> {
  const reader = await con.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE database_name = $1 AND schema_name = $2`,
    [catalog, SCHEMA],
  );
  return reader.getRows().map((r) => String(r[0]));
}

/** The index definitions that apply to a dataset: those whose columns it has. */
async function indexesFor(con: DuckDBConnection, o: PinnedDataset): Promise<string[]> {
  const columns = new Set((await parquetSchema(con, o.files)).map((c) => c.name));
  return INDEXES.filter((i) => i.columns.every((c) => columns.has(c))).map((i) => i.suffix);
}

/**
 * One transaction: replace each loaded table by its staging table (an index keeps a table from being renamed, so
 * indexes are made after the rename), drop unpinned tables, and rewrite research.versions. Readers keep seeing the
 * committed state until COMMIT.
 */
async function swap(
  con: DuckDBConnection,
  schema: string,
  change: {
    loaded: (PinnedDataset & { rows: number; indexes: string[] })[];
    toDrop: string[];
    pinSet: string;
    loadedAt: string;
  },
): Promise<void> {
  await con.run("BEGIN TRANSACTION");
  try {
    for (const l of change.loaded) {
      const table = `${schema}.${quoteIdent(l.dataset)}`;
      await con.run(`DROP TABLE IF EXISTS ${table}`);
      await con.run(
        `ALTER TABLE ${schema}.${quoteIdent(`${STAGING_PREFIX}${l.dataset}`)} RENAME TO ${quoteIdent(l.dataset)}`,
      );
      for (const suffix of l.indexes) {
        const columns = INDEXES.find((i) => i.suffix === suffix)!
          .columns.map(quoteIdent)
          .join(", ");
        await con.run(`CREATE INDEX ${quoteIdent(`${l.dataset}_${suffix}_idx`)} ON ${table} (${columns})`);
      }
    }
    for (const d of change.toDrop) await con.run(`DROP TABLE IF EXISTS ${schema}.${quoteIdent(d)}`);
    for (const d of [...change.loaded.map((l) => l.dataset), ...change.toDrop])
      await con.run(`DELETE FROM ${schema}.versions WHERE dataset = $1`, [d]);
    for (const l of change.loaded)
      await con.run(`INSERT INTO ${schema}.versions VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ)`, [
        l.dataset,
        l.version,
        l.rows,
        change.pinSet,
        change.loadedAt,
      ]);
    // Unchanged datasets keep their row count and load time; only the pin set label follows.
    await con.run(`UPDATE ${schema}.versions SET pin_set = $1`, [change.pinSet]);
    await con.run("COMMIT");
  } catch (error) {
    await con.run("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * `labbook ingest --sync-duckdb`: syncs the pin set after an ingest. The research database follows pins, so a new
 * version that the set does not pin is named in a note rather than loaded.
 */
export async function syncAfterIngest(
  config: Config,
  ingested: { dataset: string; version: string }[],
  options: Omit<SyncOptions, "db"> = {},
): Promise<SyncResult | undefined> {
  const log = options.log ?? silentLogger;
  const set = options.pins ?? config.pinSet;
  const pins = (await readPins(config.lineageDir))[set];
  if (!pins) {
    log.warn(`sync-duckdb: pin set "${set}" does not exist; the research database was not synced`);
    return undefined;
  }
  for (const i of ingested.filter((i) => pins[i.dataset] !== i.version))
    log.info(
      `sync-duckdb: ${i.dataset}@${shortVersion(i.version)} is not pinned in "${set}"; ` +
        `run "labbook pin ${set} ${i.dataset}" and "labbook sync-duckdb" to load it`,
    );
  return syncDuckdb(config, { ...options, pins: set });
}
