import { createWriteStream, existsSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { recordPath, writeRecord } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { silentLogger } from "../log.ts";
import { mapLimit } from "../pool.ts";
import { withLock } from "../store/lock.ts";
import { adoptObject, hashingStream, objectPath, tempPath } from "../store/objects.ts";
import { checkObject, forgetVerified } from "../store/verified.ts";
import { shortVersion } from "../store/version.ts";
import type { TransferOptions, Wanted } from "./push.ts";
import { recordFooterMismatches } from "./record-check.ts";
import { objectKey, recordKey, type Remote } from "./remote.ts";

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
  const log = options.log ?? silentLogger;
  const result: PullResult = { remote: remote.url, pulled: [], present: 0, records: 0, bytes: 0 };
  const corrupt: string[] = [];
  const failures: string[] = [];
  let done = 0;
  await mapLimit(
    wanted,
    options.concurrency ?? 4,
    async ({ dataset, version }) => {
      const name = `${dataset}@${shortVersion(version)}`;
      try {
        const local = objectPath(config.dataDir, version);
        // The object's true size: the bytes that hashed to its version, received now or on an earlier pull.
        let size: number;
        // A local copy that does not hold its version's bytes is replaced by the remote's: pull is how it is repaired.
        if (existsSync(local) && (await checkObject(config.dataDir, local, version)).intact) {
          result.present++;
          size = (await stat(local)).size;
        } else {
          size = await fetchObject(config, remote, version, options.signal);
          result.pulled.push({ dataset, version, size });
          result.bytes += size;
        }
        if (!existsSync(recordPath(config.lineageDir, dataset, version))) {
          await fetchRecord(config, remote, { dataset, version, size }, options.signal);
          result.records++;
        }
      } catch (e) {
        if (options.signal?.aborted) throw e;
        (e instanceof LabbookError && e.code === "E_INTEGRITY" ? corrupt : failures).push(
          `${name}: ${(e as Error).message}`,
        );
      }
      log.progress(`pull: ${++done}/${wanted.length} versions, ${(result.bytes / 1e6).toFixed(1)} MB received`);
    },
    options.signal,
  );
  if (corrupt.length || failures.length)
    throw new LabbookError(
      corrupt.length
        ? `pull refused ${corrupt.length} corrupt object(s) or lineage record(s) from ${remote.url}`
        : `pull from ${remote.url} failed for ${failures.length} of ${wanted.length} versions`,
      {
        code: corrupt.length ? "E_INTEGRITY" : "E_REMOTE",
        details: [...corrupt, ...failures, "Nothing corrupt was stored; re-run to retry the others."],
      },
    );
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
  const mismatches = await recordFooterMismatches(record, objectPath(config.dataDir, version));
  if (mismatches.length)
    throw new LabbookError(`remote lineage record ${key} gives ${mismatches.join("; and ")}; refused`, {
      code: "E_INTEGRITY",
    });
  await writeRecord(config.lineageDir, dataset, record);
}
