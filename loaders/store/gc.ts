import { stat, rm } from "node:fs/promises";
import type { Config } from "../config.ts";
import { listDatasets, listVersions } from "../lineage/catalog.ts";
import { pinsInHistory } from "../lineage/history.ts";
import { readPins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { listObjects } from "./inventory.ts";
import { withLock } from "./lock.ts";
import { addTombstones, type Tombstones } from "./tombstones.ts";
import { shortVersion } from "./version.ts";

export interface GcOptions {
  dryRun?: boolean;
  /** Keep the newest N versions of every dataset, pinned or not. */
  keepLast?: number;
  log?: Logger;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface GcRemoved {
  dataset: string;
  version: string;
  path: string;
  size: number;
}

export interface GcResult {
  dryRun: boolean;
  removed: GcRemoved[];
  bytesFreed: number;
  kept: number;
  /** Objects with no lineage record in the working tree: kept, since another branch's records may describe them. */
  unrecorded: string[];
  history: { refs: number; commits: number; truncated: number } | null;
}

/**
 * Deletes objects that nothing needs, under the store lock. An object is kept when the working tree pins it, when
 * any commit reachable from a branch or tag pinned it, when it is among the newest `keepLast` versions of its
 * dataset, or when no lineage record here describes it. Lineage records are never touched: they are the committed
 * history. Removed versions are listed in data/gc.json so verify can tell them from lost ones.
 */
export async function collectGarbage(config: Config, options: GcOptions = {}): Promise<GcResult> {
  const log = options.log ?? silentLogger;
  const keepLast = options.keepLast ?? 1;
  const dryRun = options.dryRun ?? false;
  return withLock(
    config.dataDir,
    async () => {
      const keep = new Set(Object.values(await readPins(config.lineageDir)).flatMap((s) => Object.values(s)));
      let history: GcResult["history"] = null;
      try {
        const h = await pinsInHistory(config.root, config.lineageDir);
        for (const v of h.versions.keys()) keep.add(v);
        history = { refs: h.refs.length, commits: h.commits, truncated: h.truncated };
        if (h.truncated)
          log.warn(`git history is shallow: pins before ${h.truncated} boundary commit(s) were not seen`);
      } catch (e) {
        // Outside a repository there is no history to protect; the working-tree pins still are.
        log.warn(`no git history read (${(e as Error).message}); keeping working-tree pins only`);
      }
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
      for (const file of await listObjects(config.dataDir)) {
        const dataset = file.version && datasetOf.get(file.version);
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
        const now = (options.now ?? (() => new Date()))().toISOString();
        const tombstones: Tombstones = {};
        for (const r of removed) tombstones[r.version] = { dataset: r.dataset, size: r.size, removedAt: now };
        // Tombstones first: a crash mid-way leaves a listed-but-present object, which verify still checks.
        await addTombstones(config.dataDir, tombstones);
        for (const r of removed) {
          options.signal?.throwIfAborted();
          await rm(r.path, { force: true });
          log.progress(`gc: removed ${r.dataset}@${shortVersion(r.version)}`);
        }
      }
      return {
        dryRun,
        removed,
        bytesFreed: removed.reduce((n, r) => n + r.size, 0),
        kept,
        unrecorded,
        history,
      };
    },
    options.signal,
  );
}
