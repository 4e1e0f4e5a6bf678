import { stat, rm } from "node:fs/promises";
import type { Config } from "../config.ts";
import { listDatasets, listVersions } from "../lineage/catalog.ts";
import { protectedVersions } from "../lineage/history.ts";
import { silentLogger, type Logger } from "../log.ts";
import { findDebris, sweepDebris, type Debris } from "../debris.ts";
import { listObjects } from "./inventory.ts";
import { readManifest } from "./manifest.ts";
import { interruptedCommits } from "./pending.ts";
import { withLock } from "../lock.ts";
import { objectPath } from "./objects.ts";
import { forgetVerified } from "./verified.ts";
import { addTombstones, type Tombstones } from "./tombstones.ts";
import { shortVersion } from "../lineage/version.ts";

export interface GcOptions {
  dryRun?: boolean;
  /** Keep the newest N versions of every dataset, pinned or not. */
  keepLast?: number;
  /** In a shallow clone, protect only the pins in the history that is present instead of refusing. */
  allowShallow?: boolean;
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
}

export interface GcRemoved {
  dataset: string;
  /** The version removed, or for a partition object (`partition`) the object's own hash. */
  version: string;
  path: string;
  size: number;
  /** A partition object that no kept version's manifest names. */
  partition?: true;
  /** Left by a commit that was killed before it recorded its version (store/pending.ts): no record, no tombstone. */
  interrupted?: true;
}

export interface GcResult {
  dryRun: boolean;
  removed: GcRemoved[];
  bytesFreed: number;
  kept: number;
  /** Objects with no lineage record in the working tree: kept, since another branch's records may describe them. */
  unrecorded: string[];
  history: { refs: number; commits: number; truncated: number } | null;
  /** Temp files and directories that dead processes left (debris.ts): removed, or with --dry-run found. */
  debris: Debris[];
}

/**
 * Deletes objects that nothing needs, under the store lock. An object is kept when the working tree pins it, when
 * any commit reachable from a branch or tag pinned it, when it is among the newest `keepLast` versions of its
 * dataset, or when no lineage record here describes it. Lineage records are never touched: they are the committed
 * history. Removed versions are listed in data/gc.json so verify can tell them from lost ones. When git history cannot
 * be read in full (a pins.json that does not parse, a missing object, a shallow clone) it refuses and removes nothing.
 */
export async function collectGarbage(config: Config, options: GcOptions = {}): Promise<GcResult> {
  const log = options.log ?? silentLogger;
  const keepLast = options.keepLast ?? 1;
  const dryRun = options.dryRun ?? false;
  // The data directory only: gc sweeps debris itself, below, to report what it removed.
  return withLock(
    config.dataDir,
    async () => {
      const debris = dryRun ? await findDebris(config) : await sweepDebris(config);
      // Fails closed: unreadable history refuses, and only a project outside git falls back to the working tree.
      const { versions: keep, history } = await protectedVersions(config, {
        action: "gc",
        allowShallow: options.allowShallow,
        log,
      });
      const datasetOf = new Map<string, string>();
      for (const dataset of await listDatasets(config.lineageDir)) {
        const versions = await listVersions(config.lineageDir, dataset);
        versions.forEach((v, i) => {
          datasetOf.set(v.version, dataset);
          if (i < keepLast) keep.add(v.version);
        });
      }
      options.signal?.throwIfAborted();
      const removed: GcRemoved[] = [];
      const unrecorded: string[] = [];
      let kept = 0;
      // What a killed commit left, which its journal names and nothing else does (objects, and its manifest when it
      // never recorded the version): removed with the journal.
      const interrupted = await interruptedCommits(config);
      const left = new Set(interrupted.flatMap((c) => c.orphans));
      const leftManifests = new Set(interrupted.flatMap((c) => (c.manifest ? [c.entry!.version] : [])));
      for (const c of interrupted) {
        if (!c.entry) continue;
        const dataset = c.entry.dataset;
        if (c.manifest) {
          const size = (await stat(c.manifest)).size;
          removed.push({ dataset, version: c.entry.version, path: c.manifest, size, interrupted: true });
        }
        for (const o of c.orphans) {
          const file = objectPath(config.dataDir, o);
          removed.push({
            dataset,
            version: o,
            path: file,
            size: (await stat(file)).size,
            partition: true,
            interrupted: true,
          });
        }
      }
      const files = (await listObjects(config.dataDir)).filter(
        (f) =>
          !(f.version && f.kind === "object" && left.has(f.version)) &&
          !(f.version && f.kind === "manifest" && leftManifests.has(f.version)),
      );
      // Partition objects belong to the versions whose manifests name them: kept while any of those is kept.
      const usedBy = new Map<string, { dataset: string; kept: boolean }[]>();
      for (const file of files) {
        const dataset = file.version && datasetOf.get(file.version);
        if (file.kind !== "manifest" || !dataset) continue;
        const manifest = await readManifest(config.dataDir, file.version!, dataset).catch(() => undefined);
        if (!manifest) {
          // A manifest that cannot be read names objects gc cannot know: keep it, and so every unnamed object.
          keep.add(file.version!);
          usedBy.set("*", [{ dataset, kept: true }]);
          continue;
        }
        for (const p of manifest.partitions)
          usedBy.set(p.object, [...(usedBy.get(p.object) ?? []), { dataset, kept: keep.has(file.version!) }]);
      }
      for (const file of files) {
        const dataset = file.version && datasetOf.get(file.version);
        const users = file.version && file.kind === "object" ? usedBy.get(file.version) : undefined;
        if (!dataset && users) {
          if (users.some((u) => u.kept)) kept++;
          else
            removed.push({
              dataset: users[0]!.dataset,
              version: file.version!,
              path: file.path,
              size: (await stat(file.path)).size,
              partition: true,
            });
          continue;
        }
        if (!file.version || !dataset) {
          unrecorded.push(file.path);
          continue;
        }
        if (keep.has(file.version)) {
          kept++;
          continue;
        }
        removed.push({ dataset, version: file.version, path: file.path, size: (await stat(file.path)).size });
      }
      if (!dryRun && removed.length) {
        const now = new Date((options.clock ?? Date.now)()).toISOString();
        const tombstones: Tombstones = {};
        for (const r of removed.filter((r) => !r.partition && !r.interrupted))
          tombstones[r.version] = { dataset: r.dataset, size: r.size, removedAt: now };
        // Tombstones first: a crash mid-way leaves a listed-but-present object, which verify still checks.
        await addTombstones(config.dataDir, tombstones);
        config.onCommit?.(`gc of ${removed.length} objects (data/gc.json)`);
        // Not stopped by an interrupt: the objects are listed as removed already, and removing them takes moments.
        for (const r of removed) {
          await rm(r.path, { force: true });
          await forgetVerified(config.dataDir, r.path, r.version);
          log.progress(`gc: removed ${r.dataset}@${shortVersion(r.version)}`);
        }
      }
      if (!dryRun) for (const c of interrupted) await rm(c.path, { force: true });
      return {
        dryRun,
        removed,
        bytesFreed: removed.reduce((n, r) => n + r.size, 0),
        kept,
        unrecorded,
        history,
        debris,
      };
    },
    options.signal,
  );
}
