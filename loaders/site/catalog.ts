import { datasets, type DatasetDef } from "../datasets/index.ts";
import { compileSchema } from "../datasets/rules.ts";
import { quoteIdent } from "../sql-quote.ts";
import { queryRows } from "../duckdb.ts";
import { entryOf, readRecord } from "../lineage/catalog.ts";
import { shortVersion } from "../lineage/version.ts";
import { withPinnedViews, type SiteContext } from "./context.ts";

export interface CatalogEntry {
  dataset: string;
  description: string | null;
  version: string;
  short: string;
  rows: number;
  /** Bytes of the Parquet object. */
  size: number;
  /** When the version was made (its lineage record's eventTime). */
  created: string;
  job: string;
  /** The column whose newest value measures freshness, if the dataset has one. */
  timeColumn: string | null;
  /** The newest value of timeColumn; the page shows its age at build time. */
  newest: string | null;
  commit: string | null;
}

/** One entry per pinned dataset: the version, its size and age, from the lineage record and the object itself. */
export async function catalogData(ctx: SiteContext): Promise<CatalogEntry[]> {
  return withPinnedViews(ctx, async (con) => {
    const out: CatalogEntry[] = [];
    for (const { dataset, version } of ctx.objects) {
      const record = await readRecord(ctx.config.lineageDir, dataset, version);
      const entry = entryOf(dataset, record);
      const def = datasets.find((d) => d.name === dataset);
      const timeColumn = def ? timeColumnOf(def) : null;
      const newest = timeColumn
        ? ((
            await queryRows<{ newest: string | null }>(
              con,
              `SELECT strftime(max(${quoteIdent(timeColumn)}), '%Y-%m-%dT%H:%M:%SZ') AS newest FROM ${quoteIdent(dataset)}`,
            )
          )[0]?.newest ?? null)
        : null;
      const git = record.run.facets.labbook_git as { commit?: string | null } | undefined;
      out.push({
        dataset,
        description: def?.description ?? null,
        version,
        short: shortVersion(version),
        rows: entry.rowCount,
        size: entry.size,
        created: entry.createdAt,
        job: entry.job,
        timeColumn,
        newest,
        commit: git?.commit ?? null,
      });
    }
    return out;
  });
}

/** The source's time column, else the schema's first timestamp column. */
function timeColumnOf(def: DatasetDef): string | null {
  const declared = def.source?.timeColumn;
  if (declared) return declared;
  return compileSchema(def.schema).find((c) => c.duckdbType === "TIMESTAMPTZ")?.name ?? null;
}
