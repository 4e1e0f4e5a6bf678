import { existsSync } from "node:fs";
import type { Config } from "../config.ts";
import { openDuckDB, queryRows } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { sqlString } from "../sql-quote.ts";
import {
  listDatasets,
  listVersions,
  noVersions,
  type UnreadableRecord,
  type VersionEntry,
} from "../lineage/catalog.ts";
import { allPinnedVersions, readPins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { mapLimit } from "../pool.ts";
import { findDebris, type Debris } from "../debris.ts";
import { listObjects } from "./inventory.ts";
import { manifestPath, readManifest, type PartitionEntry } from "./manifest.ts";
import { hashFile, objectPath } from "./objects.ts";
import { parquetRowCount } from "./parquet.ts";
import { readOffloadIndex } from "./offload-index.ts";
import { interruptedCommits } from "./pending.ts";
import { readTombstones } from "./tombstones.ts";
import { fileIdentity, markVerified } from "./verified.ts";
import { resolveVersion, shortVersion } from "../lineage/version.ts";

export type ProblemKind = "missing" | "corrupt" | "mismatch" | "orphaned" | "unreadable";

export interface VerifyProblem {
  kind: ProblemKind;
  dataset: string | null;
  version: string | null;
  path: string;
  detail: string;
}

export interface AbsentVersion {
  dataset: string;
  version: string;
  /**
   * "gc": removed by labbook gc (data/gc.json); "offloaded": removed by labbook offload, into `zip` (data/offload/
   * index.json); "not-local": never pulled or made here. None is an error.
   */
  reason: "gc" | "offloaded" | "not-local";
  /** For "offloaded": the zip that holds it, relative to the data directory when inside it. */
  zip?: string;
}

export interface VerifyResult {
  /** Objects re-hashed. */
  checked: number;
  bytes: number;
  seconds: number;
  mbPerSecond: number;
  problems: VerifyProblem[];
  absent: AbsentVersion[];
  /**
   * Temp files that dead processes left, and what an interrupted commit left (debris.ts): not a problem of the store;
   * gc, or for temp files the next command that takes the store lock, removes them.
   */
  debris: Debris[];
}

export interface VerifyOptions {
  /** Only this dataset; only this version of it ("latest" or a prefix) when given: then an absent object is missing. */
  dataset?: string;
  version?: string;
  log?: Logger;
  signal?: AbortSignal;
  /** Milliseconds, only ever subtracted (the throughput); a monotonic clock by default. */
  clock?: () => number;
  /** Files hashed at once: reads overlap while the other file is being hashed. */
  concurrency?: number;
}

interface Job {
  entry: VersionEntry | undefined;
  version: string | undefined;
  path: string;
  /** A partition object: the versions whose manifests name it, with what each says of it. */
  users?: { entry: VersionEntry; partition: PartitionEntry }[];
}

/**
 * Re-hashes objects and checks each lineage record against its object: the bytes hash to the version, and the size
 * and the Parquet footer's row count match the record. An object with no record is orphaned. A record without an
 * object is an error ("missing") only when its version is pinned in the working tree or was asked for by name:
 * elsewhere it is normal, because gc removed it (data/gc.json says so) or it was never pulled into this store.
 */
export async function verifyStore(config: Config, options: VerifyOptions = {}): Promise<VerifyResult> {
  const log = options.log ?? silentLogger;
  const now = options.clock ?? (() => performance.now());
  const [pinned, tombstones, offloaded] = [
    allPinnedVersions(await readPins(config.lineageDir)),
    await readTombstones(config.dataDir),
    await readOffloadIndex(config.dataDir),
  ];
  /** The newest zip an offload moved this version to, if one did. */
  const offloadZip = (version: string) =>
    offloaded[version]?.zips.filter((z) => z.removedFromStore).sort((a, b) => b.at.localeCompare(a.at))[0]?.path;
  if (!existsSync(config.lineageDir))
    throw new LabbookError(
      `nothing to verify: the lineage directory ${config.lineageDir} does not exist (LABBOOK_LINEAGE_DIR; a relative ` +
        "path is resolved from the repository root)",
      { code: "E_NOT_FOUND" },
    );
  const problems: VerifyProblem[] = [];
  const unreadable = new Set<string>();
  // An unreadable record is one problem among others: the rest of the store is still verified.
  const onUnreadable = (u: UnreadableRecord) => {
    unreadable.add(u.version);
    problems.push({
      kind: "unreadable",
      dataset: u.dataset,
      version: u.version,
      path: u.file,
      detail: u.error.message,
    });
  };
  const datasets = options.dataset ? [options.dataset] : await listDatasets(config.lineageDir);
  let entries: VersionEntry[] = (
    await Promise.all(datasets.map((d) => listVersions(config.lineageDir, d, { unreadable: onUnreadable })))
  ).flat();
  if (options.dataset && options.version !== undefined) {
    const wanted = options.version === "latest" ? undefined : options.version;
    if (entries.length === 0) throw noVersions(options.dataset);
    const version = resolveVersion(
      options.dataset,
      wanted,
      entries.map((e) => e.version),
    );
    entries = entries.filter((e) => e.version === version);
  }
  const explicit = options.version !== undefined;
  const absent: AbsentVersion[] = [];
  const jobs: Job[] = [];
  const partitions = new Map<string, Job>();
  const interrupted: Debris[] = [];
  for (const entry of entries) {
    const file = objectPath(config.dataDir, entry.version);
    const name = `${entry.dataset}@${shortVersion(entry.version)}`;
    if (existsSync(file)) jobs.push({ entry, version: entry.version, path: file });
    else if (existsSync(manifestPath(config.dataDir, entry.version))) {
      // A version made of partitions: its manifest is checked here, each object it names once, below.
      const mpath = manifestPath(config.dataDir, entry.version);
      const manifest = await readManifest(config.dataDir, entry.version, entry.dataset).catch((e: Error) => {
        problems.push({
          kind: "corrupt",
          dataset: entry.dataset,
          version: entry.version,
          path: mpath,
          detail: e.message,
        });
        return undefined;
      });
      if (!manifest) continue;
      const rows = manifest.partitions.reduce((n, p) => n + p.rows, 0);
      const size = manifest.partitions.reduce((n, p) => n + p.bytes, 0);
      const mismatches: string[] = [];
      if (size !== entry.size) mismatches.push(`its partitions hold ${size} bytes but the record says ${entry.size}`);
      if (rows !== entry.rowCount)
        mismatches.push(`its partitions hold ${rows} rows but the record says ${entry.rowCount}`);
      if (mismatches.length)
        problems.push({
          kind: "mismatch",
          dataset: entry.dataset,
          version: entry.version,
          path: mpath,
          detail: `${name}: ${mismatches.join("; ")}`,
        });
      for (const p of manifest.partitions) {
        const object = objectPath(config.dataDir, p.object);
        if (!existsSync(object)) {
          problems.push({
            kind: "missing",
            dataset: entry.dataset,
            version: entry.version,
            path: object,
            detail: `${name}: the object of partition ${p.key} (${shortVersion(p.object)}) is not in the store`,
          });
          continue;
        }
        const job = partitions.get(p.object) ?? { entry: undefined, version: p.object, path: object, users: [] };
        job.users!.push({ entry, partition: p });
        partitions.set(p.object, job);
      }
    } else if (explicit || pinned.has(entry.version)) {
      const zip = offloadZip(entry.version);
      problems.push({
        kind: "missing",
        dataset: entry.dataset,
        version: entry.version,
        path: file,
        detail:
          `${entry.dataset}@${shortVersion(entry.version)} is ${explicit ? "asked for" : "pinned"} but its object is ` +
          `not in the store${zip ? ` (offloaded to ${zip}: unzip -n it into the project root)` : ""}`,
      });
    } else {
      const zip = offloadZip(entry.version);
      absent.push(
        zip
          ? { dataset: entry.dataset, version: entry.version, reason: "offloaded", zip }
          : {
              dataset: entry.dataset,
              version: entry.version,
              reason: tombstones[entry.version] ? "gc" : "not-local",
            },
      );
    }
  }
  jobs.push(...partitions.values());
  // Orphans only make sense over the whole store.
  if (!options.dataset) {
    // An object whose record is unreadable is reported once, as that record.
    const known = new Set([...entries.map((e) => e.version), ...unreadable, ...partitions.keys()]);
    // What a killed commit left: its journal names it, so it is reported as that commit's, not as strangers. Like a
    // killed process's temp files it is debris, not a problem of the store: the version before it is intact, a commit
    // of the same version takes the files over, and gc removes them.
    for (const c of await interruptedCommits(config)) {
      if (!c.entry) {
        problems.push({
          kind: "orphaned",
          dataset: null,
          version: null,
          path: c.path,
          detail:
            "the journal of an interrupted commit of an unknown version, which cannot be read; labbook gc removes it",
        });
        continue;
      }
      const of = `${c.entry.dataset}@${shortVersion(c.entry.version)}`;
      const leave = (file: string, detail: string) =>
        interrupted.push({ path: file, pid: c.entry!.pid, kind: "commit", detail });
      leave(c.path, `the journal of an interrupted commit of ${of}`);
      if (c.manifest) {
        known.add(c.entry.version);
        leave(c.manifest, `the manifest of ${of}, which its commit stored but never recorded`);
      }
      for (const o of c.orphans) {
        known.add(o);
        leave(objectPath(config.dataDir, o), `a partition object of ${of} that no recorded manifest names`);
      }
    }
    for (const f of await listObjects(config.dataDir)) {
      if (!f.version || !known.has(f.version)) jobs.push({ entry: undefined, version: f.version, path: f.path });
    }
  }

  let bytes = 0;
  let done = 0;
  const started = now();
  // DuckDB opens while the first file is hashed: only the footer reads need it.
  const opening = openDuckDB();
  opening.catch(() => {});
  // One connection runs one query at a time: footer reads queue up while the next file is hashed.
  let queue: Promise<unknown> = Promise.resolve();
  const rowCount = (file: string) => {
    const next = queue.then(async () => parquetRowCount((await opening).con, file));
    queue = next.catch(() => {});
    return next;
  };
  // Partition objects whose bytes match their names, for checkPartitionRows.
  const intact: {
    file: string;
    size: number;
    expected: { rows: number; bytes: number };
    what: string;
    at: { dataset: string; version: string; path: string };
  }[] = [];
  try {
    await mapLimit(
      jobs,
      options.concurrency ?? 2,
      async (job) => {
        const before = await fileIdentity(job.path);
        const { version, size } = await hashFile(job.path);
        bytes += size;
        log.progress(`verify: ${++done}/${jobs.length} objects, ${(bytes / 1e6).toFixed(1)} MB`);
        const dataset = job.entry?.dataset ?? null;
        const name = dataset ? `${dataset}@${shortVersion(job.version!)}` : job.path;
        if (job.users) return checkPartition(job, version, size);
        if (!job.entry) {
          problems.push({
            kind: "orphaned",
            dataset: null,
            version: job.version ?? null,
            path: job.path,
            detail: job.version
              ? `${shortVersion(job.version)} has no lineage record${version !== job.version ? " (and its bytes do not match its name)" : ""}`
              : "not named like a store object",
          });
          return;
        }
        if (version !== job.version) {
          problems.push({
            kind: "corrupt",
            dataset,
            version: job.version!,
            path: job.path,
            detail: `${name}: the bytes hash to ${shortVersion(version)}`,
          });
          return;
        }
        if ((await fileIdentity(job.path)) === before) await markVerified(config.dataDir, job.path, version, before);
        const mismatches: string[] = [];
        if (size !== job.entry.size) mismatches.push(`size ${size} but the record says ${job.entry.size}`);
        const rows = await rowCount(job.path).catch(() => undefined);
        if (rows !== job.entry.rowCount)
          mismatches.push(`${rows ?? "unreadable"} rows but the record says ${job.entry.rowCount}`);
        if (mismatches.length)
          problems.push({
            kind: "mismatch",
            dataset,
            version: job.version!,
            path: job.path,
            detail: `${name}: ${mismatches.join("; ")}`,
          });
      },
      options.signal,
    );
    await checkPartitionRows();
  } finally {
    const duck = await opening.catch(() => undefined);
    duck?.con.closeSync();
    duck?.instance.closeSync();
  }
  /** A partition object: its hash, and its size and rows against every manifest that names it. */
  async function checkPartition(job: Job, version: string, size: number) {
    const [first] = job.users!;
    const usedBy = job.users!.map((u) => `${u.entry.dataset}@${shortVersion(u.entry.version)}`).join(", ");
    const keys = [...new Set(job.users!.map((u) => u.partition.key))].join(", ");
    const what = `partition ${keys} (object ${shortVersion(job.version!)}) of ${usedBy}`;
    const at = { dataset: first!.entry.dataset, version: first!.entry.version, path: job.path };
    if (version !== job.version) {
      problems.push({ kind: "corrupt", ...at, detail: `${what}: the bytes hash to ${shortVersion(version)}` });
      return;
    }
    await markVerified(config.dataDir, job.path, version);
    intact.push({ file: job.path, size, expected: first!.partition, what, at });
  }

  /**
   * The intact partition objects' sizes and row counts against their manifests. The row counts come from one query
   * over every footer: a version of many small partitions would otherwise wait on a query per object. Should that
   * query fail (a footer DuckDB cannot read), each object is read alone, so the message names the one that fails.
   */
  async function checkPartitionRows() {
    if (intact.length === 0) return;
    const { con } = await opening;
    const counts = await queryRows<{ file: string; n: number }>(
      con,
      `SELECT file_name AS file, num_rows::BIGINT AS n FROM parquet_file_metadata([${intact.map((p) => sqlString(p.file)).join(", ")}])`,
    )
      .then((rows) => new Map(rows.map((r) => [r.file, Number(r.n)])))
      .catch(() => undefined);
    for (const p of intact) {
      const rows = counts ? counts.get(p.file) : await rowCount(p.file).catch(() => undefined);
      const mismatches: string[] = [];
      if (p.size !== p.expected.bytes) mismatches.push(`size ${p.size} but the manifest says ${p.expected.bytes}`);
      if (rows !== p.expected.rows)
        mismatches.push(`${rows ?? "unreadable"} rows but the manifest says ${p.expected.rows}`);
      if (mismatches.length)
        problems.push({ kind: "mismatch", ...p.at, detail: `${p.what}: ${mismatches.join("; ")}` });
    }
  }

  const seconds = (now() - started) / 1000;
  const order = (p: VerifyProblem) => `${p.kind} ${p.dataset ?? ""} ${p.path}`;
  problems.sort((a, b) => (order(a) < order(b) ? -1 : 1));
  return {
    checked: jobs.length,
    bytes,
    seconds,
    mbPerSecond: seconds > 0 ? bytes / 1e6 / seconds : 0,
    problems,
    absent,
    debris: [...interrupted, ...(await findDebris(config))].sort((a, b) => a.path.localeCompare(b.path)),
  };
}
