import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { quoteIdent } from "../sql-quote.ts";
import { parquet } from "../duckdb.ts";
import { pinSet, readPins, type Pins } from "../lineage/pins.ts";
import { readableVersions, type ReadableVersion } from "./files.ts";

export type PinnedDataset = ReadableVersion;

/**
 * The objects a pin set names, checked to be present in the local store and to hold the bytes their versions name
 * (E_NOT_FOUND naming every missing one, E_INTEGRITY naming a corrupt one).
 */
export async function pinnedObjects(config: Config, set = config.pinSet, pins?: Pins): Promise<PinnedDataset[]> {
  const chosen = pinSet(pins ?? (await readPins(config.lineageDir)), set);
  return readableVersions(config, Object.entries(chosen), [
    "Run `labbook pull` with LABBOOK_REMOTE set to fetch them.",
  ]);
}

/** Creates one DuckDB view per pinned dataset, named after it, over its Parquet files. */
export async function attachPinned(
  con: DuckDBConnection,
  config: Config,
  set = config.pinSet,
  pins?: Pins,
): Promise<PinnedDataset[]> {
  const objects = await pinnedObjects(config, set, pins);
  for (const o of objects)
    await con.run(`CREATE OR REPLACE VIEW ${quoteIdent(o.dataset)} AS SELECT * FROM ${parquet(o.files)}`);
  return objects;
}
