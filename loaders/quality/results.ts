import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { qualityResults } from "../datasets/quality-results.ts";
import { compileSchema } from "../datasets/rules.ts";
import { quoteIdent } from "../sql-quote.ts";
import { facet, NAMESPACE } from "../lineage/facets.ts";
import { readGitInfo } from "../lineage/git.ts";
import { buildRecord } from "../lineage/record.ts";
import { commitVersion } from "../store/commit.ts";
import { parquetSchema, stageQuery } from "../store/parquet.ts";
import { qualityFacet } from "./facet.ts";
import type { QualityReport } from "./run.ts";

export interface StoredResults {
  version: string;
  rowCount: number;
  /** False when the same results were already stored (same bytes, same version). */
  stored: boolean;
}

/**
 * Stores check reports as a version of `quality_results`, one row per (dataset, version, check). Rows hold no run
 * time, so the same outcomes give the same bytes and the same version. Its lineage inputs are the checked versions,
 * and its `labbook_checked` run facet holds each one's outcome without failing rows.
 */
export async function storeResults(
  con: DuckDBConnection,
  config: Config,
  reports: QualityReport[],
  run: { parameters: Record<string, unknown>; startedAt: number; clock?: () => number },
): Promise<StoredResults> {
  const columns = compileSchema(qualityResults.schema);
  const table = "labbook_quality_results";
  await con.run(
    `CREATE OR REPLACE TEMP TABLE ${table} (${columns.map((c) => `${quoteIdent(c.name)} ${c.duckdbType}`).join(", ")})`,
  );
  const insert = `INSERT INTO ${table} VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`;
  let rowCount = 0;
  for (const report of reports) {
    for (const r of report.results) {
      // Bound parameters: check output (failing rows) never becomes SQL text.
      await con.run(insert, [
        report.dataset,
        report.version,
        r.check,
        r.type,
        r.severity,
        r.status,
        r.failing,
        r.allowed,
        r.warnIf,
        r.errorIf,
        r.against ?? null,
        r.detail ?? null,
        JSON.stringify(r.sample),
      ]);
      rowCount++;
    }
  }
  const cols = columns.map((c) => quoteIdent(c.name)).join(", ");
  const staged = await stageQuery(
    con,
    config.dataDir,
    `SELECT ${cols} FROM ${table} ORDER BY ${qualityResults.sortKey.map(quoteIdent).join(", ")}`,
  );
  try {
    const record = buildRecord({
      job: "check.quality_results",
      dataset: qualityResults.name,
      version: staged.version,
      rowCount,
      size: staged.size,
      fields: await parquetSchema(con, staged.path),
      inputs: reports.map((r) => ({
        namespace: NAMESPACE,
        name: r.dataset,
        facets: { version: facet("version", { datasetVersion: r.version }) },
      })),
      dataSource: { name: "labbook", uri: "labbook:check" },
      sql: "-- DuckDB SQL compiled per check from the dataset definitions by loaders/quality/checks",
      parameters: run.parameters,
      git: await readGitInfo(config.root),
      sourcePath: "loaders/quality/results.ts",
      startedAt: run.startedAt,
      endedAt: (run.clock ?? Date.now)(),
      runFacets: {
        labbook_checked: {
          versions: reports.map((r) => ({ dataset: r.dataset, version: r.version, ...qualityFacet(r) })),
        },
      },
    });
    const { stored } = await commitVersion(config, qualityResults.name, staged, record);
    return { version: staged.version, rowCount, stored };
  } finally {
    await staged.discard();
  }
}
