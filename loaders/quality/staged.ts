import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import type { DatasetDef } from "../datasets/define.ts";
import type { ParquetFiles } from "../duckdb.ts";
import { storeContext } from "./context.ts";
import { qualityFacet, type QualityFacet } from "./facet.ts";
import { runChecksOnFile } from "./run.ts";

export interface CheckStagedOptions {
  /** When the run that made the version started (freshness "ingest"). */
  createdAt: number;
  /** Dataset → version that checks reading other datasets use, e.g. a stage's input versions; latest otherwise. */
  versions?: Record<string, string>;
  clock?: () => number;
  /** The new version's row filters, as filtersOf gives them: drift checks compare with a version made alike. */
  filters?: string[];
}

/**
 * Runs a new version's checks on its staged file, before commit, for the `labbook_quality` run facet of its lineage
 * record (pass it as `runFacets: { labbook_quality: facet }` to buildRecord). Undefined when the dataset declares no
 * checks. Failures are recorded, never thrown: the version is kept and marked.
 */
export async function checkStaged(
  con: DuckDBConnection,
  config: Config,
  def: DatasetDef,
  staged: { path: ParquetFiles; version: string },
  options: CheckStagedOptions,
): Promise<QualityFacet | undefined> {
  if (!def.checks?.length) return undefined;
  const context = await storeContext(config, def, {
    version: staged.version,
    createdAt: options.createdAt,
    pins: options.versions,
    clock: options.clock,
    filters: options.filters,
  });
  return qualityFacet(await runChecksOnFile(con, def, staged.path, context));
}
