import { createHash } from "node:crypto";
import { open, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, projectRoot } from "../loaders/config.ts";
import { listVersions } from "../loaders/lineage/catalog.ts";
import { readableFiles, versionParts, type VersionPart } from "../loaders/store/files.ts";
import { forgetSeen, forgetVerified } from "../loaders/store/verified.ts";
import { verifyStore } from "../loaders/store/verify.ts";
import { mark, median, whole } from "./util.ts";

/**
 * `npm run bench -- verify [--dataset NAME] [--runs R]`
 *
 * Measures `labbook verify` of the dataset's largest version against its floor: reading the same files (its one
 * object, or its partitions' objects: behavioral_events is stored by day) start to end and throwing the bytes away. Both run cold (page cache dropped before each, when this process may write
 * /proc/sys/vm/drop_caches) and warm. A verify "at disk speed" has a cold ratio close to 1: the hash keeps up with
 * the disk and nothing is read twice. Uses the store of `npm run bench -- ingest` (data/bench/) by default, so run
 * that first; LABBOOK_DATA_DIR and LABBOOK_LINEAGE_DIR point it elsewhere.
 */
const TARGET_RATIO = 1.2;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { dataset: { type: "string" }, runs: { type: "string" } },
  });
  const dataset = values.dataset ?? "behavioral_events";
  const runs = whole(values.runs, 3, "runs");
  const benchDir = path.join(projectRoot, "data", "bench");
  const config = loadConfig({
    LABBOOK_DATA_DIR: benchDir,
    LABBOOK_LINEAGE_DIR: path.join(benchDir, "lineage"),
    ...process.env,
  });
  // The largest version: the bench's full ingest, not its smaller --until run.
  const [latest] = (await listVersions(config.lineageDir, dataset)).sort((a, b) => b.size - a.size);
  if (!latest) throw new Error(`no version of ${dataset} in ${config.lineageDir}: run "npm run bench -- ingest" first`);
  const parts = await versionParts(config.dataDir, latest.version, dataset);
  if (!parts) throw new Error(`${dataset}@${latest.version.slice(7, 19)} is not in ${config.dataDir}`);
  const readEvery = async () => {
    let seconds = 0;
    for (const p of parts) seconds += await readAll(p.file);
    return seconds;
  };
  const cold = await dropCaches();
  const rows: { mode: string; floor: number; verify: number }[] = [];
  for (const mode of cold ? ["cold", "warm"] : ["warm"]) {
    const floors: number[] = [];
    const verifies: number[] = [];
    if (mode === "warm") await readEvery(); // fill the cache
    for (let i = 0; i < runs; i++) {
      if (mode === "cold") await dropCaches();
      floors.push(await readEvery());
      if (mode === "cold") await dropCaches();
      const result = await verifyStore(config, { dataset, version: latest.version });
      if (result.problems.length) throw new Error(`verify found problems: ${JSON.stringify(result.problems)}`);
      verifies.push(result.seconds);
    }
    rows.push({ mode, floor: median(floors), verify: median(verifies) });
  }
  // SHA-256 itself: the files hashed from memory, so neither disk nor page cache counts. No verify can beat the
  // slower of reading the files and hashing them, so that is the floor the ratio is taken against.
  const contents = await Promise.all(parts.map((p) => readFile(p.file)));
  const hashes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    for (const bytes of contents) createHash("sha256").update(bytes).digest();
    hashes.push((performance.now() - started) / 1000);
  }
  const hash = median(hashes);
  const mb = latest.size / 1e6;
  const rate = (s: number) => `${s.toFixed(2)} s ${(mb / s).toFixed(0).padStart(5)} MB/s`;
  const lines = [
    `verify ${dataset}@${latest.version.slice(7, 19)}: ${mb.toFixed(0)} MB, medians of ${runs} runs`,
    `  sha256 in memory   ${rate(hash)}`,
  ];
  for (const r of rows) {
    const ratio = r.verify / Math.max(r.floor, hash);
    lines.push(
      `  ${r.mode.padEnd(4)} read         ${rate(r.floor)}   verify ${rate(r.verify)}   ` +
        `ratio verify/max(read, sha256) ${ratio.toFixed(2)}  target ≤ ${TARGET_RATIO}  ${mark(ratio <= TARGET_RATIO)}`,
    );
  }
  if (!cold) lines.push("  (cold runs skipped: this process may not write /proc/sys/vm/drop_caches)");
  lines.push(await readerCheck(config.dataDir, latest.version, parts, runs, mb));
  process.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * What every reader (sql, export, run, the site, …) pays to check a version before reading it: a hash on first use,
 * then, in another process, a stat and a read of the small verified record, and in the same process a stat alone.
 */
async function readerCheck(
  dataDir: string,
  version: string,
  parts: VersionPart[],
  runs: number,
  mb: number,
): Promise<string> {
  const time = async (prepare: () => Promise<void> | void) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      await prepare();
      const started = performance.now();
      if (!(await readableFiles(dataDir, version))) throw new Error(`${version} is not local`);
      times.push((performance.now() - started) / 1000);
    }
    return median(times);
  };
  const first = await time(async () => {
    for (const p of parts) await forgetVerified(dataDir, p.file, p.object);
  });
  const record = await time(forgetSeen);
  const memo = await time(() => {});
  const ms = (s: number) => `${(s * 1000).toFixed(s < 0.01 ? 2 : 0)} ms`;
  return (
    `  reader check (warm): first use ${ms(first)} (${(mb / first).toFixed(0)} MB/s), ` +
    `later process ${ms(record)}, same process ${ms(memo)}`
  );
}

/** Reads a file to the end into one reused 4 MiB buffer, the fastest plain read; seconds. */
async function readAll(file: string): Promise<number> {
  const started = performance.now();
  const handle = await open(file);
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
  } finally {
    await handle.close();
  }
  return (performance.now() - started) / 1000;
}

/** Drops the page cache (needs root); false when not allowed. */
async function dropCaches(): Promise<boolean> {
  try {
    await writeFile("/proc/sys/vm/drop_caches", "1\n");
    return true;
  } catch {
    return false;
  }
}
