import { existsSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { quoteIdent } from "../datasets/rules.ts";
import { parquet } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { pinSet, readPins, type Pins } from "../lineage/pins.ts";
import { objectPath } from "./objects.ts";
import { shortVersion } from "./version.ts";

export interface PinnedDataset {
  dataset: string;
  version: string;
  path: string;
}

/** The objects a pin set names, checked to be present in the local store. */
export async function pinnedObjects(config: Config, set = config.pinSet, pins?: Pins): Promise<PinnedDataset[]> {
  const chosen = pinSet(pins ?? (await readPins(config.lineageDir)), set);
  const out = Object.entries(chosen).map(([dataset, version]) => ({
    dataset,
    version,
    path: objectPath(config.dataDir, version),
  }));
  const missing = out.filter((p) => !existsSync(p.path));
  if (missing.length) {
    throw new LabbookError(
      `pinned objects are missing from the local store: ${missing.map((m) => `${m.dataset}@${shortVersion(m.version)}`).join(", ")}`,
      { code: "E_NOT_FOUND", details: ["Run `labbook pull` with LABBOOK_REMOTE set to fetch them."] },
    );
  }
  return out;
}

/** Creates one DuckDB view per pinned dataset, named after it, over its Parquet object. */
export async function attachPinned(
  con: DuckDBConnection,
  config: Config,
  set = config.pinSet,
  pins?: Pins,
): Promise<PinnedDataset[]> {
  const objects = await pinnedObjects(config, set, pins);
  for (const o of objects)
    await con.run(`CREATE OR REPLACE VIEW ${quoteIdent(o.dataset)} AS SELECT * FROM ${parquet(o.path)}`);
  return objects;
}
