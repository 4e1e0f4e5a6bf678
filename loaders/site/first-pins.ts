import type { Config } from "../config.ts";
import { datasets, sourceDatasets } from "../datasets/index.ts";
import { LabbookError } from "../errors.ts";
import { ingestPostgres } from "../ingest/postgres.ts";
import { readPins, writePins } from "../lineage/pins.ts";
import type { Logger } from "../log.ts";
import { seedWhenEmpty } from "../seed/when-empty.ts";
import { detectNaming } from "../sources/naming.ts";
import { withDatabase } from "../sources/postgres.ts";
import { withLock } from "../lock.ts";
import { shortVersion } from "../lineage/version.ts";
import type { Preparation } from "./preparation.ts";

/**
 * A first build on a project with no pins: ingest every source dataset (seeding the embedded database first when it
 * has no source tables), run the pipeline on the new versions, and pin the sources and the derived datasets as
 * `default`. A DATABASE_URL database is never seeded.
 */
export async function createDefaultPins(config: Config, log: Logger, signal?: AbortSignal): Promise<Preparation> {
  log.info(
    `build: nothing is pinned yet; ingesting from ${config.databaseUrl ? "DATABASE_URL" : "the embedded PostgreSQL"}`,
  );
  return withDatabase(
    config,
    async (db) => {
      const seeded = (await seedWhenEmpty(db, { log, signal })) !== undefined;
      const naming = await detectNaming(db.sql, log);
      const versions: Record<string, string> = {};
      for (const def of sourceDatasets()) {
        signal?.throwIfAborted();
        const result = await ingestPostgres(def, db, naming, config, { log, signal });
        versions[def.name] = result.version;
      }
      Object.assign(versions, await deriveFrom(config, versions, log, signal));
      // The versions just ingested, not the newest by record time: identical bytes keep their first record.
      await withLock(config, async () => {
        const current = await readPins(config.lineageDir);
        // Another process may have pinned meanwhile: its pins win.
        if (!current.default) await writePins(config.lineageDir, { ...current, default: versions });
      });
      log.info(
        `build: pinned "default": ${Object.entries(versions)
          .map(([d, v]) => `${d}@${shortVersion(v)}`)
          .join(", ")}`,
      );
      return { action: "created", seeded, versions };
    },
    { log },
  );
}

/**
 * Runs the pipeline after a first ingest and returns the derived datasets' versions. Each must have been made from
 * exactly the versions just ingested (a stage reads its inputs' newest versions, which an older record with the
 * same bytes could displace), so the pin set never pairs a derived version with sources it was not made from.
 */
export async function deriveFrom(
  config: Config,
  sources: Record<string, string>,
  log: Logger,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const { runPipeline } = await import("../pipeline/run.ts");
  log.info("build: running the pipeline on the ingested versions");
  const result = await runPipeline(config, { log, signal });
  if (result.failed.length)
    throw new LabbookError(`build: the pipeline failed on the first ingest: ${result.failed.join(", ")}`, {
      code: "E_PIPELINE",
      details: [
        ...result.stages.flatMap((s) => (s.error ? [`${s.dataset}: ${s.error.message}`, ...s.error.details] : [])),
        'Run "labbook run" to see every stage, fix the cause, and build again.',
      ],
    });
  const derived: Record<string, string> = { ...sources };
  const byName = new Map(result.stages.map((s) => [s.dataset, s]));
  // Dependency order: a stage's inputs are decided before it.
  for (const def of datasets) {
    const stage = byName.get(def.name);
    if (!stage?.version) continue;
    const off = Object.entries(stage.inputs).filter(([input, version]) => derived[input] !== version);
    if (off.length) {
      log.warn(
        `build: not pinning ${def.name}: it was made from ${off.map(([d, v]) => `${d}@${shortVersion(v)}`).join(", ")}, ` +
          'not the versions just pinned; run "labbook run" and pin it',
      );
      continue;
    }
    derived[def.name] = stage.version;
  }
  return Object.fromEntries(Object.entries(derived).filter(([d]) => !(d in sources)));
}
