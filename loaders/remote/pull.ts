import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { buffer, text } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { readRecord, recordPath, writeRecord } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { withLock } from "../lock.ts";
import { adoptObject, hashingStream, objectPath, tempPath } from "../store/objects.ts";
import { requireFiles } from "../store/files.ts";
import { manifestPath, manifestVersion, parseManifest } from "../store/manifest.ts";
import { beginPending, endPending } from "../store/pending.ts";
import { checkObject, forgetVerified } from "../store/verified.ts";
import { shortVersion } from "../lineage/version.ts";
import { transferAll, transferError, type TransferOptions, type Wanted } from "./transfer.ts";
import { recordFooterMismatches } from "./record-check.ts";
import { manifestKey, objectKey, recordKey, type Remote } from "../store/remote.ts";

export interface PullResult {
  remote: string;
  /** Objects downloaded, verified and admitted now. */
  pulled: (Wanted & { size: number })[];
  /** Objects the local store already had. */
  present: number;
  records: number;
  bytes: number;
}

/**
 * Downloads the objects (and lineage records) of `wanted` that the local store lacks. Each object goes to data/tmp,
 * is hashed on the way, and is admitted to the store only if its bytes hash to its version: a corrupt remote copy is
 * refused and named, and never stored. A lineage record is admitted only if it describes that version and gives the
 * object's true size. Failures are reported together after the other transfers finish.
 */
export async function pull(
  config: Config,
  remote: Remote,
  wanted: Wanted[],
  options: TransferOptions = {},
): Promise<PullResult> {
  const result: PullResult = { remote: remote.url, pulled: [], present: 0, records: 0, bytes: 0 };
  const failures = await transferAll(wanted, {
    ...options,
    progress: (done, total) => `pull: ${done}/${total} versions, ${(result.bytes / 1e6).toFixed(1)} MB received`,
    async each({ dataset, version }, once) {
      /**
       * Fetches an object once, however many versions name it (partitions are often shared): its size, and whether this
       * call fetched it. A later caller waits for the fetch: a manifest must not go before its objects.
       */
      const fetch = async (object: string) => {
        let first = false;
        const size = await once(objectKey(object), () => {
          first = true;
          return fetchObject(config, remote, object, options.signal);
        });
        return { size, first };
      };
      // Two datasets can pin one object: it is fetched, and counted, once. Its true size: the bytes that hashed to its
      // version, received now or on an earlier pull.
      const size = await once(`version ${version}`, async () => {
        const local = objectPath(config.dataDir, version);
        // A local copy that does not hold its version's bytes is replaced by the remote's: pull is how it is repaired.
        if (existsSync(local) && (await checkObject(config.dataDir, local, version)).intact) {
          result.present++;
          return (await stat(local)).size;
        }
        if (existsSync(local) || !(await isPartitioned(config, remote, dataset, version, options.signal))) {
          const got = await fetch(version);
          if (got.first) {
            result.pulled.push({ dataset, version, size: got.size });
            result.bytes += got.size;
          }
          return got.size;
        }
        const got = await fetchPartitioned(config, remote, { dataset, version }, fetch, options.signal);
        if (got.received === 0 && got.hadManifest) result.present++;
        else {
          result.pulled.push({ dataset, version, size: got.received });
          result.bytes += got.received;
        }
        return got.size;
      });
      await once(recordKey(dataset, version), async () => {
        if (existsSync(recordPath(config.lineageDir, dataset, version))) return;
        await fetchRecord(config, remote, { dataset, version, size }, options.signal);
        result.records++;
      });
    },
  });
  if (failures.length)
    throw transferError(failures, {
      name: ({ dataset, version }) => `${dataset}@${shortVersion(version)}`,
      message: (corrupt, failed) =>
        corrupt
          ? `pull refused ${corrupt} corrupt object(s) or lineage record(s) from ${remote.url}`
          : `pull from ${remote.url} failed for ${failed} of ${wanted.length} versions`,
      hint: "Nothing corrupt was stored; re-run to retry the others.",
    });
  return result;
}

async function fetchObject(config: Config, remote: Remote, version: string, signal?: AbortSignal): Promise<number> {
  const tmp = await tempPath(config.dataDir, ".parquet");
  try {
    const hasher = hashingStream();
    await pipeline(await remote.download(objectKey(version), signal), hasher.stream, createWriteStream(tmp), {
      signal,
    });
    const got = hasher.digest();
    if (got.version !== version)
      throw new LabbookError(
        `remote object ${objectKey(version)} is corrupt: its bytes hash to ${shortVersion(got.version)}; refused`,
        { code: "E_INTEGRITY" },
      );
    await withLock(
      config,
      async () => {
        const local = objectPath(config.dataDir, version);
        if (existsSync(local) && !(await checkObject(config.dataDir, local, version)).intact)
          await forgetVerified(config.dataDir, local, version).then(() => rm(local, { force: true }));
        await adoptObject(config.dataDir, tmp, version);
      },
      signal,
    );
    return got.size;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Whether a version is made of partitions: its manifest or its record here says so, or the remote holds its manifest. */
async function isPartitioned(
  config: Config,
  remote: Remote,
  dataset: string,
  version: string,
  signal?: AbortSignal,
): Promise<boolean> {
  if (existsSync(manifestPath(config.dataDir, version))) return true;
  const record = await readRecord(config.lineageDir, dataset, version).catch(() => undefined);
  if (record?.run.facets.labbook_partitions) return true;
  return remote.download(manifestKey(version), signal).then(
    (stream) => {
      stream.destroy();
      return true;
    },
    (e: unknown) => {
      if (e instanceof LabbookError && e.code === "E_NOT_FOUND") return false;
      throw e;
    },
  );
}

/**
 * Pulls a partitioned version: its manifest, checked against the version, then only the partition objects the store
 * lacks (or holds corrupt), each checked against its hash, and the manifest last. `size` is the version's bytes;
 * `received` what came over the wire for its objects.
 */
async function fetchPartitioned(
  config: Config,
  remote: Remote,
  { dataset, version }: Wanted,
  fetch: (object: string) => Promise<{ size: number; first: boolean }>,
  signal?: AbortSignal,
): Promise<{ size: number; received: number; hadManifest: boolean }> {
  const hadManifest = existsSync(manifestPath(config.dataDir, version));
  const bytes = hadManifest
    ? await readFile(manifestPath(config.dataDir, version))
    : await buffer(await remote.download(manifestKey(version), signal));
  if (manifestVersion(bytes) !== version)
    throw new LabbookError(
      `remote manifest ${manifestKey(version)} is corrupt: its bytes hash to ${shortVersion(manifestVersion(bytes))}; refused`,
      { code: "E_INTEGRITY" },
    );
  const manifest = parseManifest(bytes, `${dataset}@${shortVersion(version)}`);
  let received = 0;
  // Objects first, the manifest last: a journal names the objects until the manifest does (see pending.ts).
  if (!hadManifest)
    await beginPending(config.dataDir, { dataset, version, objects: manifest.partitions.map((p) => p.object) });
  for (const p of manifest.partitions) {
    const file = objectPath(config.dataDir, p.object);
    if (existsSync(file) && (await checkObject(config.dataDir, file, p.object)).intact) continue;
    const got = await fetch(p.object);
    if (got.first) received += got.size;
  }
  if (!hadManifest) {
    const tmp = await tempPath(config.dataDir, ".json");
    try {
      await writeFile(tmp, bytes);
      await withLock(
        config.dataDir,
        async () => {
          const dest = manifestPath(config.dataDir, version);
          if (!existsSync(dest)) {
            await mkdir(path.dirname(dest), { recursive: true });
            await rename(tmp, dest);
          }
          await endPending(config.dataDir, version);
        },
        signal,
      );
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return { size: manifest.partitions.reduce((n, p) => n + p.bytes, 0), received, hadManifest };
}

/**
 * A record is admitted only if it parses, describes this very version of this dataset, and gives its true size, row
 * count and schema (the last two read from the object's Parquet footer).
 */
async function fetchRecord(
  config: Config,
  remote: Remote,
  object: Wanted & { size: number },
  signal?: AbortSignal,
): Promise<void> {
  const { dataset, version } = object;
  const key = recordKey(dataset, version);
  let record: LineageRecord;
  try {
    record = JSON.parse(await text(await remote.download(key, signal))) as LineageRecord;
  } catch (e) {
    if (e instanceof LabbookError) throw e;
    throw new LabbookError(`remote lineage record ${key} is not valid JSON; refused`, { code: "E_INTEGRITY" });
  }
  const out = record?.outputs?.[0];
  if (out?.name !== dataset || out?.facets?.version?.datasetVersion !== version)
    throw new LabbookError(`remote lineage record ${key} describes another version; refused`, { code: "E_INTEGRITY" });
  const recorded: unknown = out?.outputFacets?.outputStatistics?.size;
  if (recorded !== object.size)
    throw new LabbookError(
      `remote lineage record ${key} gives a size of ${JSON.stringify(recorded ?? null)} bytes, but the object has ` +
        `${object.size}; refused`,
      { code: "E_INTEGRITY" },
    );
  const mismatches = await recordFooterMismatches(record, await requireFiles(config.dataDir, version, dataset));
  if (mismatches.length)
    throw new LabbookError(`remote lineage record ${key} gives ${mismatches.join("; and ")}; refused`, {
      code: "E_INTEGRITY",
    });
  await writeRecord(config.lineageDir, dataset, record);
}
