import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { loadConfig, loadDotEnv, type Config } from "../config.ts";
import { openPinned, type PinnedDataset } from "../store/pinned.ts";
import { buildTime } from "./build-time.ts";
import { pseudonymizer, pseudonymKey, type PseudonymKey } from "../pseudonym.ts";

/** What a TypeScript loader works with: the pinned versions it may read and the pseudonyms. */
export interface SiteContext {
  config: Config;
  /** The loader file, relative to the project root (for messages). */
  file: string;
  pinSet: string;
  /** Every pin of the set (dataset → version); a loader reads only `objects`. */
  pins: Record<string, string>;
  /** The pinned objects of the datasets the loader declares, checked to be in the local store. */
  objects: PinnedDataset[];
  key: PseudonymKey;
  /** The same pseudonym the views give a person column, for ids found elsewhere (lineage parameters). */
  pseudonym: (userId: string) => string;
  /** The build's time in ms, read once (build-time.ts): every page of a build, and every rebuild of a commit with
   * SOURCE_DATE_EPOCH, shows the same. */
  builtAt: number;
}

/** Builds a loader's context from the environment (LABBOOK_PINS, LABBOOK_DATA_DIR, …), as Framework runs it. */
export async function siteContext(
  declaration: { reads: readonly string[] | "all" },
  env: NodeJS.ProcessEnv = process.env,
  file = "a loader",
): Promise<SiteContext> {
  loadDotEnv();
  const config = loadConfig(env);
  const shown = path.isAbsolute(file) ? path.relative(config.root, file) : file;
  // Only the datasets it reads are checked against their hashes and opened.
  const { pins, objects } = await openPinned(config, { reads: declaration.reads, ...siteReader(shown) });
  const key = await pseudonymKey(config, env);
  return {
    config,
    file: shown,
    pinSet: config.pinSet,
    pins,
    objects,
    key,
    pseudonym: pseudonymizer(key),
    builtAt: buildTime(env),
  };
}

/** openPinned's options for a site loader: how the build and its loaders name what they lack. */
export const siteReader = (file: string) => ({
  reader: file,
  otherwise: "or build another set with LABBOOK_PINS",
  missingDetails: ["Run `labbook pull` with LABBOOK_REMOTE set to fetch them, or `labbook build`."],
});

/**
 * Runs `fn` with DuckDB views over exactly the datasets the loader declares, person columns pseudonymized: reading
 * anything else fails, so the declaration (and with it the cache invalidation) cannot silently fall out of date.
 */
export async function withPinnedViews<T>(ctx: SiteContext, fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  // Imported here: loaders that never query (lineage, provenance) skip loading DuckDB's native module.
  const { withDuckDB } = await import("../duckdb.ts");
  const { createPinnedViews } = await import("./views.ts");
  return withDuckDB(async (con) => {
    await createPinnedViews(con, ctx.objects, ctx.key);
    return fn(con);
  });
}
