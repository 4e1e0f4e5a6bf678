import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";
import { listVersions, readRecord, recordPath } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { withLock } from "../lock.ts";
import { manifestPath, parseManifest } from "../store/manifest.ts";
import { commitObject, objectPath, type StagedFile } from "../store/objects.ts";
import { beginPending, endPending } from "../store/pending.ts";
import { shortVersion } from "../lineage/version.ts";
import { stageFacetOf } from "./state.ts";

/** A partitioned stage's output: the partition objects it wrote and the manifest naming them and the reused ones. */
export interface StagedPartitions {
  written: StagedFile[];
  manifest: StagedFile;
}

/**
 * Publishes a stage's output under the store lock: the object (once per version), then its lineage record. A
 * partitioned output is committed as an ingest commits one: a pending-commit journal naming the objects written, the
 * objects, the manifest, the record, and the journal removed last.
 *
 * Unlike an ingest, a stage may reproduce bytes an earlier run already stored (an input changed in a way this stage
 * does not see, or a change was reverted). Its record is then replaced by this run's, so that the newest record,
 * which is what staleness reads, names the definition and inputs of the latest run. The record it replaces described
 * the same bytes; git keeps its history.
 */
export async function publishStage(
  dirs: { dataDir: string; lineageDir: string; onCommit?: (what: string) => void },
  dataset: string,
  output: StagedFile | StagedPartitions,
  record: LineageRecord,
): Promise<{ stored: boolean; recorded: boolean; newVersion: boolean }> {
  return withLock(dirs, async () => {
    const parts = "manifest" in output ? output : undefined;
    const version = parts ? parts.manifest.version : (output as StagedFile).version;
    const stored = parts
      ? await commitParts(dirs.dataDir, dataset, parts)
      : await commitObject(dirs.dataDir, output as StagedFile);
    try {
      const file = recordPath(dirs.lineageDir, dataset, version);
      const newVersion = !existsSync(file);
      if (!newVersion) {
        const [latest] = await listVersions(dirs.lineageDir, dataset);
        const existing = stageFacetOf(await readRecord(dirs.lineageDir, dataset, version));
        const fingerprint = stageFacetOf(record)?.fingerprint;
        if (latest?.version === version && existing?.fingerprint === fingerprint)
          return { stored, recorded: false, newVersion };
      }
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
      await rename(tmp, file);
      dirs.onCommit?.(`${dataset}@${shortVersion(version)}`);
      return { stored, recorded: true, newVersion };
    } finally {
      if (parts) await endPending(dirs.dataDir, version);
    }
  });
}

/**
 * Puts a partitioned output in the store: the journal, the written objects, then the manifest. Refuses, before
 * writing anything, a manifest naming a reused object that left the store since the run read it (gc, offload).
 */
async function commitParts(dataDir: string, dataset: string, parts: StagedPartitions): Promise<boolean> {
  const { written, manifest } = parts;
  const named = parseManifest(await readFile(manifest.path), `${dataset}@${shortVersion(manifest.version)}`);
  const mine = new Set(written.map((w) => w.version));
  const gone = named.partitions.filter((p) => !mine.has(p.object) && !existsSync(objectPath(dataDir, p.object)));
  if (gone.length)
    throw new LabbookError(
      `${dataset}: ${gone.length} partition object(s) the run reused left the store while it ran (${gone.map((p) => p.key).join(", ")})`,
      { code: "E_NOT_FOUND", details: ["Nothing was committed. Run it again with --force: it recomputes them."] },
    );
  await beginPending(dataDir, { dataset, version: manifest.version, objects: [...mine] });
  for (const part of written) await commitObject(dataDir, part);
  const dest = manifestPath(dataDir, manifest.version);
  const stored = !existsSync(dest);
  if (stored) {
    await mkdir(path.dirname(dest), { recursive: true });
    await rename(manifest.path, dest);
  } else await manifest.discard();
  return stored;
}
