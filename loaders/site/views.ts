import type { DuckDBConnection } from "@duckdb/node-api";
import { datasets } from "../datasets/index.ts";
import { personColumns } from "../datasets/rules.ts";
import { quoteIdent } from "../sql-quote.ts";
import { parquet, queryRows } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import type { PinnedDataset } from "../store/pinned.ts";
import { pseudonymSql, type PseudonymKey } from "../pseudonym.ts";

/**
 * Creates the views every report loader reads: one per pinned dataset, named after it, over its pinned object, with
 * each column that the dataset's definition marks as identifying a person (personId()) replaced by its pseudonym. A
 * loader therefore cannot publish a raw user id, whatever it selects.
 */
export async function createPinnedViews(
  con: DuckDBConnection,
  objects: readonly PinnedDataset[],
  key: PseudonymKey,
): Promise<void> {
  for (const o of objects) {
    const def = datasets.find((d) => d.name === o.dataset);
    if (!def)
      throw new LabbookError(`pinned dataset ${o.dataset} has no definition in loaders/datasets/`, {
        code: "E_CONFIG",
        details: ["Report pages read only defined datasets: the definition says which columns identify a person."],
      });
    const present = new Set(
      (await queryRows<{ column_name: string }>(con, `DESCRIBE SELECT * FROM ${parquet(o.files)}`)).map(
        (c) => c.column_name,
      ),
    );
    const replaced = personColumns(def.schema)
      .filter((c) => present.has(c))
      .map((c) => `${pseudonymSql(key, `CAST(${quoteIdent(c)} AS VARCHAR)`)} AS ${quoteIdent(c)}`);
    const select = replaced.length ? `* REPLACE (${replaced.join(", ")})` : "*";
    await con.run(`CREATE OR REPLACE VIEW ${quoteIdent(o.dataset)} AS SELECT ${select} FROM ${parquet(o.files)}`);
  }
}
