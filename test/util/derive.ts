import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../../loaders/config.ts";
import { getDataset } from "../../loaders/datasets/index.ts";
import { quoteIdent } from "../../loaders/sql-quote.ts";
import { silentLogger } from "../../loaders/log.ts";
import { castSelect, orderBy } from "../../loaders/pipeline/stage-common.ts";
import { deriveFrom } from "../../loaders/site/first-pins.ts";

/**
 * Derives pipeline datasets inside one DuckDB connection, as tables named after them: each stage's own SQL with its
 * schema's casts and order, over the tables already there. Lets a test that builds source tables by hand analyse
 * what the pipeline would pin, without a store.
 */
export async function deriveTables(
  con: DuckDBConnection,
  names: readonly string[] = ["events_dedup", "phase_observations"],
): Promise<void> {
  for (const name of names) {
    const def = getDataset(name);
    await con.run(`CREATE TABLE ${quoteIdent(name)} AS SELECT * FROM (${castSelect(def)}) ORDER BY ${orderBy(def)}`);
  }
}

/**
 * A pin set of the given source versions and the derived datasets the pipeline makes from them, as a first
 * `labbook build` pins it.
 */
export async function withDerived(config: Config, sources: Record<string, string>): Promise<Record<string, string>> {
  return { ...sources, ...(await deriveFrom(config, sources, silentLogger)) };
}
