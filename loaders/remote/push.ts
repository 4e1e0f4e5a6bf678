import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { listDatasets, listVersions, recordPath } from "../lineage/catalog.ts";
import { pinSet, readPins } from "../lineage/pins.ts";
import { isLocal } from "../store/files.ts";
import { manifestPath, readManifest } from "../store/manifest.ts";
import { hashingStream, objectPath } from "../store/objects.ts";
import { shortVersion } from "../lineage/version.ts";
import { manifestKey, objectKey, recordKey, type Remote } from "../store/remote.ts";
import { transferAll, transferError, type TransferOptions, type Wanted } from "./transfer.ts";

export interface PushResult {
  remote: string;
  /** Objects uploaded now. */
  pushed: (Wanted & { size: number })[];
  /** Objects the remote already had. */
  present: number;
  records: number;
  bytes: number;
}

/** What a push sends: one pin set's versions, or every version whose object is in the local store. */
export async function pushSelection(config: Config, choice: { set: string } | "all"): Promise<Wanted[]> {
  if (choice !== "all")
    return Object.entries(pinSet(await readPins(config.lineageDir), choice.set)).map(([dataset, version]) => ({
      dataset,
      version,
    }));
  const out: Wanted[] = [];
  for (const dataset of await listDatasets(config.lineageDir))
    for (const v of await listVersions(config.lineageDir, dataset))
      if (await isLocal(config.dataDir, v.version)) out.push({ dataset, version: v.version });
  return out;
}

/**
 * Uploads the objects and lineage records the remote lacks, each object before its record. Every object is hashed on
 * its way out and published on the remote only if it still matches its version, so a corrupt local copy never
 * spreads. Failures are collected and reported together, after the other transfers finish.
 */
export async function push(
  config: Config,
  remote: Remote,
  wanted: Wanted[],
  options: TransferOptions = {},
): Promise<PushResult> {
  const [objects, records] = await Promise.all([
    remote.list("objects/", options.signal),
    remote.list("lineage/", options.signal),
  ]);
  const result: PushResult = { remote: remote.url, pushed: [], present: 0, records: 0, bytes: 0 };
  /** Uploads one file whose bytes must hash to `expect`, checked on the way out; its size. */
  const upload = async (key: string, file: string, expect: string) => {
    if (!existsSync(file)) throw new Error(`${file} is not in the local store and not on the remote`);
    const size = (await stat(file)).size;
    const hasher = hashingStream();
    await remote.upload(
      key,
      createReadStream(file, { highWaterMark: 1 << 20 }).pipe(hasher.stream),
      size,
      () => {
        const got = hasher.digest().version;
        if (got !== expect)
          throw new LabbookError(`the local object is corrupt (its bytes hash to ${shortVersion(got)})`, {
            code: "E_INTEGRITY",
          });
      },
      options.signal,
    );
    return size;
  };
  const failures = await transferAll(wanted, {
    ...options,
    progress: (done, total) => `push: ${done}/${total} versions, ${(result.bytes / 1e6).toFixed(1)} MB sent`,
    async each({ dataset, version }, once) {
      /**
       * Sends an object the remote lacks once, however many versions name it (partitions are often shared): the bytes
       * sent, 0 when the remote had it, and whether this call sent it. A later caller waits for the upload: a manifest
       * must not go before its objects.
       */
      const send = async (object: string) => {
        let first = false;
        const size = await once(objectKey(object), async () => {
          first = true;
          if (objects.has(objectKey(object))) return 0;
          return upload(objectKey(object), objectPath(config.dataDir, object), object);
        });
        return { size, first };
      };
      // Two datasets can pin one object: it is sent, and counted, once.
      await once(`version ${version}`, async () => {
        if (objects.has(objectKey(version)) || objects.has(manifestKey(version))) {
          result.present++;
          return;
        }
        const file = objectPath(config.dataDir, version);
        const manifest = existsSync(file) ? undefined : await readManifest(config.dataDir, version, dataset);
        if (!existsSync(file) && !manifest) throw new Error("not in the local store and not on the remote");
        if (!manifest) {
          const sent = await send(version);
          if (sent.first) {
            result.pushed.push({ dataset, version, size: sent.size });
            result.bytes += sent.size;
          }
          return;
        }
        let size = 0;
        // A partitioned version: the objects the remote lacks first, the manifest last, as in the store.
        for (const p of manifest.partitions) {
          const sent = await send(p.object);
          if (sent.first) size += sent.size;
        }
        size += await upload(manifestKey(version), manifestPath(config.dataDir, version), version);
        result.pushed.push({ dataset, version, size });
        result.bytes += size;
      });
      await once(recordKey(dataset, version), async () => {
        if (records.has(recordKey(dataset, version))) return;
        const file = recordPath(config.lineageDir, dataset, version);
        if (!existsSync(file)) throw new Error("no lineage record in the working tree");
        const size = (await stat(file)).size;
        await remote.upload(recordKey(dataset, version), createReadStream(file), size, () => {}, options.signal);
        result.records++;
      });
    },
  });
  if (failures.length)
    throw transferError(failures, {
      name: ({ dataset, version }) => `${dataset}@${shortVersion(version)}`,
      message: (_, failed) => `push to ${remote.url} failed for ${failed} of ${wanted.length} versions`,
      hint: "The versions that were not named here were pushed; re-run to retry the others.",
    });
  return result;
}
