import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { silentLogger, type Logger } from "../log.ts";
import { withLock } from "../lock.ts";
import { manifestPath, parseManifest } from "../store/manifest.ts";
import { adoptObject, hashingStream, objectPath, tempPath } from "../store/objects.ts";
import { versionOf } from "../lineage/version.ts";
import { recordRestored } from "../store/offload-index.ts";
import { OBJECT_ENTRY, verifyZip } from "./zip-verify.ts";

/** lineage/<dataset>/<64 hex>.json: a version's lineage record. */
const RECORD_ENTRY = /^lineage\/([a-z][a-z0-9_]{0,62})\/([0-9a-f]{64})\.json$/;
/** data/rejects/<dataset>/<64 hex>.parquet, and the zip's own README and manifest under data/offload/<name>/. */
const DATA_ENTRY = /^data\/(rejects\/[a-z][a-z0-9_]{0,62}\/[0-9a-f]{64}\.parquet|offload\/[^/]+\/[^/]+)$/;

export interface RestoreOptions {
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
}

export interface RestoreResult {
  zip: string;
  /** Versions whose object this restore put back in the store. */
  restored: { dataset: string; version: string }[];
  /** Versions in the zip whose object the store already held. */
  present: number;
  /** Lineage records written because the working tree had none for their version. */
  records: number;
  /** Files already in place, left as they were (never overwritten). */
  kept: string[];
  /** Entries that are not part of a version (a site, pins.json of an archive…): not unpacked. */
  skipped: string[];
}

/**
 * Brings back the versions in an offload zip (or an archive): verifies every entry first, then unpacks store objects,
 * rejects files and lineage records under the store lock, each through a temp file and a rename, never over a file
 * already there. Objects are hashed again as they are unpacked. The restore is noted in data/offload/index.json.
 */
export async function restoreZip(config: Config, zip: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const log = options.log ?? silentLogger;
  const file = path.resolve(zip);
  if (!existsSync(file)) throw new LabbookError(`no such zip: ${file}`, { code: "E_NOT_FOUND" });
  log.progress(`restore: verifying ${file}`);
  await verifyZip(file);
  options.signal?.throwIfAborted();
  const result: RestoreResult = { zip: file, restored: [], present: 0, records: 0, kept: [], skipped: [] };
  return withLock(
    config,
    async () => {
      const versions = new Map<string, string>();
      const manifests: { tmp: string; target: string; version: string }[] = [];
      const partitionObjects = new Set<string>();
      const zipFile = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: true });
      try {
        for await (const entry of zipFile.eachEntry()) {
          if (entry.fileName.endsWith("/")) continue;
          const name = entry.fileName;
          const object = OBJECT_ENTRY.exec(name);
          const record = RECORD_ENTRY.exec(name);
          const isManifest = Boolean(object && name.endsWith(".json"));
          const target = object
            ? isManifest
              ? manifestPath(config.dataDir, `sha256:${object[2]}`)
              : objectPath(config.dataDir, `sha256:${object[2]}`)
            : record
              ? path.join(config.lineageDir, record[1]!, `${record[2]}.json`)
              : DATA_ENTRY.test(name)
                ? path.join(config.dataDir, ...name.slice("data/".length).split("/"))
                : undefined;
          if (!target) {
            result.skipped.push(name);
            continue;
          }
          if (record) versions.set(`sha256:${record[2]}`, record[1]!);
          if (existsSync(target)) {
            if (object) result.present++;
            else result.kept.push(name);
            continue;
          }
          // Hashed again on the way out: the zip may have changed since it was verified.
          const tmp = await tempPath(config.dataDir, path.extname(name));
          try {
            const hasher = hashingStream();
            await pipeline(await zipFile.openReadStreamPromise(entry), hasher.stream, createWriteStream(tmp), {
              signal: options.signal,
            });
            const got = hasher.digest().version;
            if (object) {
              if (got !== versionOf(object[2]!))
                throw new LabbookError(`${file} is corrupt: ${name} does not hash to its version`, {
                  code: "E_INTEGRITY",
                });
              if (isManifest) {
                // Put in place after the loop: a manifest never names a partition object that is not there yet.
                manifests.push({ tmp: await tempPath(config.dataDir, ".json"), target, version: got });
                await rename(tmp, manifests.at(-1)!.tmp);
              } else await adoptObject(config.dataDir, tmp, got);
              result.restored.push({ dataset: "", version: got });
              continue;
            }
            if (record) await assertRecordOf(tmp, name, record[1]!, `sha256:${record[2]}`);
            await mkdir(path.dirname(target), { recursive: true });
            await rename(tmp, target);
            if (record) result.records++;
          } finally {
            await rm(tmp, { force: true });
          }
        }
        for (const m of manifests) {
          const parsed = parseManifest(await readFile(m.tmp), `${m.version} in ${path.basename(file)}`);
          for (const p of parsed.partitions) partitionObjects.add(p.object);
          await mkdir(path.dirname(m.target), { recursive: true });
          await rename(m.tmp, m.target);
        }
      } finally {
        zipFile.close();
        for (const m of manifests) await rm(m.tmp, { force: true });
      }
      // A partition object is part of a version, not one: it is reported through its version's manifest.
      result.restored = result.restored.filter((r) => !partitionObjects.has(r.version) || versions.has(r.version));
      for (const r of result.restored) r.dataset = versions.get(r.version) ?? "";
      const missing = result.restored.filter((r) => !r.dataset);
      if (missing.length)
        log.warn(`restore: ${missing.length} object(s) came with no lineage record in ${path.basename(file)}`);
      if (result.restored.length || result.records) {
        await recordRestored(
          config.dataDir,
          file,
          [...versions].map(([version, dataset]) => ({ dataset, version })),
          {
            at: new Date((options.clock ?? Date.now)()),
          },
        );
        config.onCommit?.(`restore of ${result.restored.length} object(s) from ${path.basename(file)}`);
      }
      return result;
    },
    options.signal,
  );
}

/** A record is unpacked only if it parses and describes the version its name says. */
async function assertRecordOf(file: string, name: string, dataset: string, version: string): Promise<void> {
  let record: LineageRecord;
  try {
    record = JSON.parse(await readFile(file, "utf8")) as LineageRecord;
  } catch (e) {
    throw new LabbookError(`${name} in the zip is not valid JSON: ${(e as Error).message}`, { code: "E_INTEGRITY" });
  }
  const out = record?.outputs?.[0];
  if (out?.name !== dataset || out?.facets?.version?.datasetVersion !== version)
    throw new LabbookError(`${name} in the zip describes another version`, { code: "E_INTEGRITY" });
}
