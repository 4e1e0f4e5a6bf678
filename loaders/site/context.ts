import type { DuckDBConnection } from "@duckdb/node-api";
import { loadConfig, loadDotEnv, type Config } from "../config.ts";
import { quoteIdent } from "../datasets/rules.ts";
import { readPins, pinSet } from "../lineage/pins.ts";
import { readableVersions } from "../store/files.ts";
import type { PinnedDataset } from "../store/pinned.ts";
import { pinnedReads, siteLoader, type SiteLoader } from "./manifest.ts";
import { pseudonymizer, pseudonymKey } from "../pseudonym.ts";

/** What a site loader works with: the pinned versions it may read and the pseudonym function. */
export interface SiteContext {
  config: Config;
  loader: SiteLoader;
  pinSet: string;
  /** Every pin of the set (dataset → version); a loader reads only `objects`. */
  pins: Record<string, string>;
  /** The pinned objects of the datasets the loader declares, checked to be in the local store. */
  objects: PinnedDataset[];
  pseudonym: (userId: string) => string;
}

/** Builds a loader's context from the environment (LABBOOK_PINS, LABBOOK_DATA_DIR, …), as Framework runs it. */
export async function siteContext(name: string, env: NodeJS.ProcessEnv = process.env): Promise<SiteContext> {
  loadDotEnv();
  const config = loadConfig(env);
  const loader = siteLoader(name);
  const pins = pinSet(await readPins(config.lineageDir), config.pinSet);
  const reads = pinnedReads(loader, config.pinSet, pins);
  const objects = await readableVersions(
    config,
    reads.map((dataset) => [dataset, pins[dataset]!]),
    ["Run `labbook pull` with LABBOOK_REMOTE set to fetch them, or `labbook build`."],
  );
  return {
    config,
    loader,
    pinSet: config.pinSet,
    pins,
    objects,
    pseudonym: pseudonymizer(await pseudonymKey(config, env)),
  };
}

/**
 * Runs `fn` with DuckDB views over exactly the datasets the loader declares: reading anything else fails, so the
 * manifest (and with it the cache invalidation) cannot silently fall out of date.
 */
export async function withPinnedViews<T>(ctx: SiteContext, fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  // Imported here: loaders that never query (lineage, provenance) skip loading DuckDB's native module.
  const { parquet, withDuckDB } = await import("../duckdb.ts");
  return withDuckDB(async (con) => {
    for (const o of ctx.objects)
      await con.run(`CREATE VIEW ${quoteIdent(o.dataset)} AS SELECT * FROM ${parquet(o.files)}`);
    return fn(con);
  });
}
