import { testRecord } from "../util/project.ts";
import type { Config } from "../../loaders/config.ts";
import { getDataset, sourceDatasets } from "../../loaders/datasets/index.ts";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { checkStaged } from "../../loaders/quality/staged.ts";
import { commitVersion } from "../../loaders/store/commit.ts";
import { stageQuery } from "../../loaders/store/parquet.ts";
import { ingestPostgres, type IngestResult } from "../../loaders/ingest/postgres.ts";
import type { ValidationMode } from "../../loaders/ingest/validate.ts";
import { orderForChecks } from "../../loaders/quality/order.ts";
import { connect } from "../../loaders/sources/postgres.ts";

/** Ingests every source dataset, in the order `labbook ingest --all` uses. */
export async function ingestAll(config: Config, validation: ValidationMode, at?: number): Promise<IngestResult[]> {
  const db = await connect(config, { max: 1 });
  try {
    const out: IngestResult[] = [];
    for (const def of orderForChecks(sourceDatasets()))
      out.push(
        await ingestPostgres(def, db, "pascal", config, { validation, clock: at === undefined ? undefined : () => at }),
      );
    return out;
  } finally {
    await db.close();
  }
}

/**
 * Publishes a version from a SELECT through the same staging, checks, record and commit as an ingest, made at `at`
 * (epoch ms), so that versions published one after another have an order.
 */
export async function publishVersion(config: Config, dataset: string, select: string, at: number): Promise<string> {
  const def = getDataset(dataset);
  return withDuckDB(async (con) => {
    const staged = await stageQuery(con, config.dataDir, select);
    const quality = await checkStaged(con, config, def, staged, { createdAt: at, clock: () => at });
    const record = await testRecord(con, dataset, staged, select, at, quality ? { labbook_quality: quality } : {});
    await commitVersion(config, dataset, staged, record);
    return staged.version;
  });
}

/**
 * `n` behavioral events from row `from` on, `perDay` a day from 2025-06-02: five users, two event types, scores
 * 0..99 (or `score`, SQL over the row number i).
 */
export const eventsSql = (n: number, options: { from?: number; perDay?: number; score?: string } = {}) => {
  const from = options.from ?? 0;
  const perDay = options.perDay ?? 20;
  return `SELECT 'c' || lpad(CAST(i AS VARCHAR), 24, '0') AS id, 'u' || (i % 5) AS userId,
      CASE WHEN i % 3 = 0 THEN 'CARD_REVIEWED' ELSE 'MISSION_STARTED' END AS eventType, '{}'::JSON AS eventData,
      TIMESTAMPTZ '2025-06-02 00:00:00+00' + CAST(i * 86400 // ${perDay} AS BIGINT) * INTERVAL 1 SECOND AS timestamp,
      CAST(${options.score ?? "i % 100"} AS INTEGER) AS sessionPerformanceScore, 'MEDIUM' AS engagementLevel,
      NULL::VARCHAR AS completionQuality, 8 AS timeOfDay, 1 AS dayOfWeek, 'flashcard' AS contentType,
      NULL::VARCHAR AS difficultyLevel, NULL::VARCHAR AS experimentPhase, NULL::INTEGER AS randomizationSeed,
      NULL::VARCHAR AS contextMetadataId
    FROM range(${from}, ${from + n}) AS t(i)`;
};
