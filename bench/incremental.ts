import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, projectRoot } from "../loaders/config.ts";
import { getDataset } from "../loaders/datasets/index.ts";
import type { PartitionsFacet } from "../loaders/ingest/partitions.ts";
import { ingestPostgres, type IngestResult } from "../loaders/ingest/postgres.ts";
import { readRecord } from "../loaders/lineage/catalog.ts";
import { stderrLogger } from "../loaders/log.ts";
import { startEmbedded, stopEmbedded } from "../loaders/sources/embedded.ts";
import { detectNaming } from "../loaders/sources/naming.ts";
import { connect } from "../loaders/sources/postgres.ts";
import { TABLE_NAMES } from "../loaders/sources/schema.ts";
import { countEvents, ensureSeeded } from "./ingest.ts";
import { mark } from "./util.ts";

/**
 * `npm run bench -- incremental [--grain day|month]`
 *
 * On the 5M events of `npm run bench -- ingest` (its embedded server in data/bench/, or DATABASE_URL; seeded here
 * first when that server holds no events), in one run:
 * a full ingest of behavioral_events partitioned by the grain, then one new day of events and ten updated rows in
 * the oldest month, an incremental ingest, and a --full ingest of the same rows. Prints the incremental/full wall
 * time ratio, the change detection's own time, whether the two versions are equal, how much the store grew against
 * the bytes of the partitions that changed, and the process's peak RSS. The source rows are put back afterwards, so
 * the ingest bench does not re-seed. Ingests run in this process, with the definition given the grain asked for
 * (behavioral_events itself is partitioned by day).
 */
const TARGET_RATIO = 0.35;
const TARGET_GROWTH = 1.5;
const TARGET_RSS_MIB = 512;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { grain: { type: "string" } } });
  const grain = values.grain ?? "day";
  if (grain !== "day" && grain !== "month") throw new Error(`--grain takes day or month, got "${grain}"`);
  const log = stderrLogger(process.stderr);
  const benchDir = path.join(projectRoot, "data", "bench");
  const storeDir = path.join(benchDir, "incremental");
  await rm(storeDir, { recursive: true, force: true });
  const server = process.env.DATABASE_URL ? undefined : await startEmbedded(benchDir, log);
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? server!.url,
    LABBOOK_DATA_DIR: storeDir,
    LABBOOK_LINEAGE_DIR: path.join(storeDir, "lineage"),
  });
  const db = await connect(config, { max: 2 });
  const def = { ...getDataset("behavioral_events"), partitioning: { column: "timestamp", grain } as const };
  // A server with no events yet (a fresh clone) is seeded as the ingest bench seeds it.
  if ((await countEvents(db.sql)) === 0) await ensureSeeded(db.sql, 5_000_000, false, false, log);
  const naming = await detectNaming(db.sql);
  const table = db.sql(TABLE_NAMES.behavioralEvent[naming]);
  const ingest = async (full: boolean) => {
    const started = performance.now();
    const result = await ingestPostgres(def, db, naming, config, { full, log });
    return { result, seconds: (performance.now() - started) / 1000 };
  };
  let changed = false;
  try {
    const [row] = await db.sql<{ n: string }[]>`SELECT count(*)::text AS n FROM ${table}`;
    const n = row!.n;
    log.info(`bench: ${Number(n).toLocaleString("en")} events, partitions by ${grain}`);
    const first = await ingest(true);
    const before = await storeBytes(storeDir);

    // One new day: the newest day's events again, a day later, under new ids. Ten rows of the oldest month change.
    changed = true;
    await db.sql`INSERT INTO ${table}
      SELECT 'c' || substr(md5('bench-new-' || id), 1, 24), "userId", "eventType", "eventData",
        "timestamp" + interval '1 day', "sessionPerformanceScore", "engagementLevel", "completionQuality",
        "timeOfDay", "dayOfWeek", "contentType", "difficultyLevel", "experimentPhase", "randomizationSeed",
        "contextMetadataId"
      FROM ${table} WHERE "timestamp" >= (SELECT date_trunc('day', max("timestamp")) FROM ${table})`;
    await db.sql`UPDATE ${table} SET "timeOfDay" = ("timeOfDay" + 1) % 24 WHERE id IN (
      SELECT id FROM ${table} WHERE "timestamp" < (SELECT min("timestamp") + interval '30 days' FROM ${table})
      ORDER BY id LIMIT 10)`;

    const incremental = await ingest(false);
    const grown = (await storeBytes(storeDir)) - before;
    const written = await writtenBytes(config.lineageDir, incremental.result);
    const full = await ingest(true);
    const rss = process.resourceUsage().maxRSS / 1024;
    const ratio = incremental.seconds / first.seconds;
    const growth = grown / written;
    const same = full.result.version === incremental.result.version;
    const p = incremental.result.partitions!;
    process.stdout.write(
      [
        `incremental ingest of behavioral_events by ${grain}: ${incremental.result.rowCount.toLocaleString("en")} rows`,
        `  full ingest                 ${first.seconds.toFixed(2)} s (change detection ${first.result.partitions!.fingerprintSeconds.toFixed(2)} s)`,
        `  incremental ingest          ${incremental.seconds.toFixed(2)} s (change detection ${p.fingerprintSeconds.toFixed(2)} s); ` +
          `${p.written} of ${p.written + p.reused} partitions written`,
        `  ratio incremental/full      ${ratio.toFixed(2)}   target ≤ ${TARGET_RATIO}  ${mark(ratio <= TARGET_RATIO)}`,
        `  --full of the same rows     ${full.seconds.toFixed(2)} s; same version: ${same ? "yes" : "NO"}  ${mark(same)}`,
        `  store growth                ${(grown / 1e6).toFixed(2)} MB for ${(written / 1e6).toFixed(2)} MB of changed ` +
          `partitions: ${growth.toFixed(2)}×  target ≤ ${TARGET_GROWTH}  ${mark(growth <= TARGET_GROWTH)}`,
        `  peak RSS (bench process)    ${rss.toFixed(0)} MiB  target ≤ ${TARGET_RSS_MIB}  ${mark(rss <= TARGET_RSS_MIB)}`,
      ].join("\n") + "\n",
    );
  } finally {
    if (changed) {
      await db.sql`DELETE FROM ${table} WHERE id IN (
        SELECT 'c' || substr(md5('bench-new-' || id), 1, 24) FROM ${table})`;
      await db.sql`UPDATE ${table} SET "timeOfDay" = ("timeOfDay" + 23) % 24 WHERE id IN (
        SELECT id FROM ${table} WHERE "timestamp" < (SELECT min("timestamp") + interval '30 days' FROM ${table})
        ORDER BY id LIMIT 10)`;
    }
    await db.close();
    if (server?.started) await stopEmbedded(benchDir, log);
  }
}

/** Bytes of every object and manifest in the store. */
async function storeBytes(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else total += (await stat(full)).size;
    }
  };
  await walk(path.join(dir, "objects"));
  return total;
}

/** Bytes of the partitions an ingest wrote, from its record's labbook_partitions facet. */
async function writtenBytes(lineageDir: string, result: IngestResult): Promise<number> {
  const record = await readRecord(lineageDir, result.dataset, result.version);
  const facet = record.run.facets.labbook_partitions as PartitionsFacet;
  return facet.partitions.filter((p) => p.status === "written").reduce((n, p) => n + p.bytes, 0);
}
