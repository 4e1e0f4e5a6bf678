import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../../loaders/config.ts";
import { sourceDatasets } from "../../loaders/datasets/index.ts";
import { ingestPostgres, type IngestResult } from "../../loaders/ingest/postgres.ts";
import type { ValidationMode } from "../../loaders/ingest/validate.ts";
import { orderForChecks } from "../../loaders/quality/order.ts";
import { connect } from "../../loaders/sources/postgres.ts";

/** A labbook project of its own (data/ and lineage/ in a temp dir), pointed at a test database. */
export interface QualityProject {
  root: string;
  env: Record<string, string>;
  config: Config;
  remove(): Promise<void>;
}

export async function createQualityProject(databaseUrl = ""): Promise<QualityProject> {
  const root = await mkdtemp(path.join(tmpdir(), "labbook-quality-"));
  const env = {
    LABBOOK_ROOT: root,
    LABBOOK_DATA_DIR: path.join(root, "data"),
    LABBOOK_LINEAGE_DIR: path.join(root, "lineage"),
    DATABASE_URL: databaseUrl,
    LABBOOK_PINS: "default",
  };
  return { root, env, config: loadConfig(env, root), remove: () => rm(root, { recursive: true, force: true }) };
}

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
