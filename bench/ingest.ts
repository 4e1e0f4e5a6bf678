import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import postgres, { type Sql } from "postgres";
import { loadConfig, projectRoot } from "../loaders/config.ts";
import { getDataset } from "../loaders/datasets/index.ts";
import { compileSchema } from "../loaders/datasets/rules.ts";
import { sqlString } from "../loaders/sql-quote.ts";
import { withDuckDB } from "../loaders/duckdb.ts";
import { copyStatement, readCopyCsv, sourceQuery, STREAMING_DUCKDB } from "../loaders/ingest/postgres.ts";
import { PARQUET_OPTIONS } from "../loaders/store/parquet.ts";
import { stderrLogger } from "../loaders/log.ts";
import { seedDatabase } from "../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../loaders/seed/plan.ts";
import { startEmbedded, stopEmbedded } from "../loaders/sources/embedded.ts";
import { detectNaming, findNaming } from "../loaders/sources/naming.ts";
import { TABLE_NAMES } from "../loaders/sources/schema.ts";
import { mark, median, whole } from "./util.ts";

/**
 * `npm run bench -- ingest [--events N] [--small N] [--runs R] [--replace]`
 *
 * Measures, in one run and on one database, the ingest of behavioral_events against its floor: the same
 * `COPY (query) TO STDOUT` drained through postgres.js with nothing done to the rows. The ingest runs as the real CLI
 * in a child process, so its wall time and peak RSS are what a user gets. A second, smaller ingest (`--until` the
 * N-th row) shows whether memory stays flat as rows grow. A third figure, the conversion alone (DuckDB reading the
 * same COPY output from a file into Parquet, with the ingest's settings), shows the ingest's other unavoidable cost:
 * on two cores the ingest cannot beat the slower of the two.
 *
 * Uses DATABASE_URL when set (seeding it only if the events table is missing or empty, or with --replace), otherwise
 * an embedded server of its own in data/bench/, re-seeded only when the event count differs. Versions and lineage go
 * to data/bench/ too, never to the project's lineage/.
 */
const TARGET_RATIO = 1.2;
const TARGET_RSS_MIB = 512;
const DATASET = "behavioral_events";

interface Measured {
  seconds: number;
  rssMiB: number;
  rows: number;
  version: string;
  /** CPU seconds of the ingest process (user + system), when GNU time measured it. */
  cpu?: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: "string" },
      small: { type: "string" },
      runs: { type: "string" },
      replace: { type: "boolean" },
    },
  });
  const events = whole(values.events, 5_000_000, "events");
  const small = whole(values.small, Math.min(1_000_000, Math.floor(events / 5)), "small");
  const runs = whole(values.runs, 1, "runs");
  const log = stderrLogger(process.stderr);
  const benchDir = path.join(projectRoot, "data", "bench");
  const config = loadConfig({
    ...process.env,
    LABBOOK_DATA_DIR: benchDir,
    LABBOOK_LINEAGE_DIR: path.join(benchDir, "lineage"),
  });
  const server = config.databaseUrl ? undefined : await startEmbedded(config.dataDir, log);
  const url = config.databaseUrl ?? server!.url;
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: "UTC" } });
  try {
    await ensureSeeded(sql, events, config.databaseUrl !== undefined, values.replace === true, log);
    const naming = await detectNaming(sql);
    const table = TABLE_NAMES.behavioralEvent[naming];
    const { sql: select } = sourceQuery(getDataset(DATASET), naming, {});
    const copy = copyStatement(select);
    // The first row after the small selection: `--until` is exclusive, so rows before it are the small ingest.
    const [cut] = await sql<{ t: Date }[]>`SELECT "timestamp" AS t FROM ${sql(table)}
      ORDER BY "timestamp", id OFFSET ${small} LIMIT 1`;
    const env = {
      DATABASE_URL: url,
      LABBOOK_DATA_DIR: config.dataDir,
      LABBOOK_LINEAGE_DIR: config.lineageDir,
    };
    log.info(`bench: ${events.toLocaleString("en")} events in ${naming} naming; ${runs} run(s) of floor and ingest`);
    const floors: number[] = [];
    const ingests: Measured[] = [];
    for (let i = 0; i < runs; i++) {
      floors.push(await floor(url, copy));
      log.info(`  floor   ${floors.at(-1)!.toFixed(2)} s`);
      // --full: behavioral_events is stored by day, and a run after the first would otherwise reuse every partition.
      ingests.push(await ingestChild(env, ["--full"]));
      log.info(`  ingest  ${ingests.at(-1)!.seconds.toFixed(2)} s, peak RSS ${ingests.at(-1)!.rssMiB.toFixed(0)} MiB`);
    }
    const smallRun = cut ? await ingestChild(env, ["--until", cut.t.toISOString()]) : undefined;
    const convert = await conversion(url, copy, path.join(config.dataDir, "tmp", "bench-convert"));
    log.info(`  convert ${convert.toFixed(2)} s`);
    const f = median(floors);
    const ing = median(ingests.map((m) => m.seconds));
    const rss = Math.max(...ingests.map((m) => m.rssMiB));
    const rows = ingests[0]!.rows;
    const ratio = ing / f;
    const lines = [
      `ingest ${DATASET}: ${rows.toLocaleString("en")} rows, version ${ingests[0]!.version.slice(7, 19)}`,
      `  floor (COPY … TO STDOUT, drained)  ${f.toFixed(2)} s   ${rate(rows, f)} rows/s`,
      `  ingest (labbook ingest, wall)      ${ing.toFixed(2)} s   ${rate(rows, ing)} rows/s`,
      `  ratio ingest/floor                 ${ratio.toFixed(2)}     target ≤ ${TARGET_RATIO}  ${mark(ratio <= TARGET_RATIO)}`,
      `  convert (DuckDB, CSV file→Parquet) ${convert.toFixed(2)} s   one thread, as while streaming`,
      `  ratio ingest/max(floor, convert)   ${(ing / Math.max(f, convert)).toFixed(2)}     ` +
        "(1.0 only if both overlapped perfectly, each on its own core)",
      `  ratio ingest/(floor + convert)     ${(ing / (f + convert)).toFixed(2)}     (1.0: as slow as one after the other)`,
      `  peak RSS at ${pad(rows)} rows     ${rss.toFixed(0)} MiB  target ≤ ${TARGET_RSS_MIB}  ${mark(rss <= TARGET_RSS_MIB)}`,
    ];
    const cpu = median(ingests.map((m) => m.cpu ?? NaN));
    if (Number.isFinite(cpu)) {
      // PostgreSQL's COPY keeps one backend busy for the whole floor, so the floor is its CPU time.
      const cores = availableParallelism();
      const bound = (cpu + f) / cores;
      lines.splice(
        lines.length - 1,
        0,
        `  CPU: ingest process ${cpu.toFixed(1)} s + server ≈ floor ${f.toFixed(1)} s on ${cores} cores → ` +
          `≥ ${bound.toFixed(1)} s wall; ingest/bound ${(ing / bound).toFixed(2)}`,
      );
    }
    if (smallRun) {
      lines.push(
        `  peak RSS at ${pad(smallRun.rows)} rows     ${smallRun.rssMiB.toFixed(0)} MiB  ` +
          `(ingest ${smallRun.seconds.toFixed(2)} s; memory is flat when this is close to the line above)`,
      );
    }
    if (runs > 1) lines.push(`  medians of ${runs} runs; floors ${floors.map((x) => x.toFixed(2)).join(", ")} s`);
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await sql.end({ timeout: 5 });
    if (server?.started) await stopEmbedded(config.dataDir, log);
  }
}

/** Seeds the benchmark data unless the events table already holds exactly `events` rows. */
/** Seeds `events` events unless the server already holds that many (shared with the incremental bench). */
export async function ensureSeeded(
  sql: Sql,
  events: number,
  external: boolean,
  replace: boolean,
  log: ReturnType<typeof stderrLogger>,
): Promise<void> {
  const have = await countEvents(sql);
  if (have === events) return;
  if (external && have && !replace) {
    throw new Error(
      `DATABASE_URL holds ${have.toLocaleString("en")} events, not ${events.toLocaleString("en")}: ` +
        `pass --replace to re-seed it, or unset DATABASE_URL to use data/bench/`,
    );
  }
  log.info(`bench: seeding ${events.toLocaleString("en")} events (found ${have.toLocaleString("en")})`);
  const result = await seedDatabase(sql, { ...DEFAULT_SEED_OPTIONS, events }, "pascal", log);
  log.info(`bench: seeded in ${result.seconds.toFixed(1)} s`);
}

export async function countEvents(sql: Sql): Promise<number> {
  const naming = await findNaming(sql);
  if (!naming) return 0;
  const [n] = await sql`SELECT count(*)::bigint AS n FROM ${sql(TABLE_NAMES.behavioralEvent[naming])}`;
  return Number(n!.n);
}

/** The floor: the ingest's own COPY statement, read to the end through postgres.js and thrown away. */
async function floor(url: string, copy: string): Promise<number> {
  const conn = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: "UTC" } });
  try {
    const started = performance.now();
    const readable = await conn.unsafe(copy).readable();
    let bytes = 0;
    for await (const chunk of readable) bytes += (chunk as Buffer).length;
    if (bytes === 0) throw new Error("floor: COPY returned no data");
    return (performance.now() - started) / 1000;
  } finally {
    await conn.end({ timeout: 5 });
  }
}

/**
 * The conversion alone: the ingest's COPY output saved to a file first (not timed), then read by DuckDB as the
 * ingest reads it (same reader, one thread, same memory limit) and written as a version is written. Seconds.
 */
async function conversion(url: string, copy: string, dir: string): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const csv = path.join(dir, "copy.csv");
  const conn = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: "UTC", DateStyle: "ISO" } });
  try {
    await pipeline(await conn.unsafe(copy).readable(), createWriteStream(csv));
  } finally {
    await conn.end({ timeout: 5 });
  }
  try {
    const columns = compileSchema(getDataset(DATASET).schema);
    const out = sqlString(path.join(dir, "out.parquet"));
    return await withDuckDB(
      async (con) => {
        const started = performance.now();
        await con.run(`COPY (${readCopyCsv(csv, columns)}) TO ${out} (${PARQUET_OPTIONS})`);
        return (performance.now() - started) / 1000;
      },
      { ...STREAMING_DUCKDB, tempDir: path.join(dir, "duckdb") },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `labbook ingest behavioral_events --json` in a child process: wall time and peak RSS. */
async function ingestChild(env: Record<string, string>, extra: string[]): Promise<Measured> {
  const bin = path.join(projectRoot, "bin", "labbook.js");
  const args = [bin, "ingest", DATASET, "--json", ...extra];
  const useTime = existsSync("/usr/bin/time");
  const dir = await mkdtemp(path.join(tmpdir(), "labbook-bench-"));
  const timeFile = path.join(dir, "rusage");
  const [cmd, argv] = useTime
    ? ["/usr/bin/time", ["-f", "%M %U %S", "-o", timeFile, process.execPath, ...args]]
    : [process.execPath, args];
  const started = performance.now();
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  // Without GNU time, sample the high-water mark the kernel keeps for the process.
  let hwmKiB = 0;
  let cpu: number | undefined;
  const sampler = useTime
    ? undefined
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, "utf8")
          .then((s) => (hwmKiB = Math.max(hwmKiB, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0))))
          .catch(() => {});
      }, 50);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  if (sampler) clearInterval(sampler);
  try {
    if (code !== 0) throw new Error(`ingest exited ${code}:\n${stderr}`);
    if (useTime) {
      const [hwm, user, sys] = (await readFile(timeFile, "utf8")).trim().split("\n").at(-1)!.split(" ").map(Number);
      hwmKiB = hwm!;
      cpu = user! + sys!;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const [result] = JSON.parse(stdout) as { version: string; rowCount: number }[];
  return { seconds, rssMiB: hwmKiB / 1024, rows: result!.rowCount, version: result!.version, cpu };
}

const rate = (rows: number, s: number) => Math.round(rows / s).toLocaleString("en");
const pad = (rows: number) => rows.toLocaleString("en").padStart(9);
