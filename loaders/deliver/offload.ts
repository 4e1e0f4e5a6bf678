import { existsSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.ts";
import { listDatasets, listVersions, recordPath } from "../lineage/catalog.ts";
import { protectedVersions } from "../lineage/history.ts";
import { silentLogger, type Logger } from "../log.ts";
import { rejectsPath } from "../store/commit.ts";
import { withLock } from "../lock.ts";
import { versionStoreFiles } from "../store/files.ts";
import { manifestPath } from "../store/manifest.ts";
import { objectPath } from "../store/objects.ts";
import { namedObjects } from "../store/pending.ts";
import { shortVersion } from "../lineage/version.ts";
import { labbookVersion } from "../version.ts";
import { zipRecord } from "./archive.ts";
import { recordOffloaded } from "../store/offload-index.ts";
import { verifyZip } from "./zip-verify.ts";
import { writeZip, type ZipSource } from "./zip-write.ts";

const DAY_MS = 86_400_000;

export interface OffloadCandidate {
  dataset: string;
  version: string;
  /** The lineage record's eventTime: when the version was made. */
  createdAt: string;
  ageDays: number;
  /** The bytes of its files: its object, or its manifest and partition objects (some may be shared). */
  size: number;
  /** A version made of partitions: the objects its manifest names, which go into the zip with it. */
  partitions?: string[];
  /** The version's rejects file, if a non-strict ingest wrote one. */
  rejects?: string;
}

export interface OffloadPlan {
  cutoff: string;
  candidates: OffloadCandidate[];
  /** Old enough, but pinned now or in git history: left alone. */
  pinnedKept: number;
  /** What pins were honoured: the working tree always, git history when the project is a repository. */
  protection: "working tree and git history" | "working tree and shallow git history" | "working tree only";
}

export interface OffloadOptions {
  daysOld: number;
  /** Remove the offloaded objects (and rejects files) from the store. Lineage records stay: they are history. */
  deleteSource?: boolean;
  /** Without it nothing is written or removed: the result only says what would happen. */
  yes?: boolean;
  /** The zip to write; default data/offload/offload-<UTC time>.zip. */
  out?: string;
  /** In a shallow clone, protect only the pins in the history that is present instead of refusing. */
  allowShallow?: boolean;
  clock?: () => number;
  log?: Logger;
  signal?: AbortSignal;
}

export interface OffloadResult {
  dryRun: boolean;
  plan: OffloadPlan;
  /** The zip written, or that would be written. Null when nothing is old enough. */
  zip: string | null;
  deleted: OffloadCandidate[];
  bytes: number;
}

/** Which versions would move: present in the store, made more than `daysOld` days ago, and pinned nowhere. */
export async function planOffload(
  config: Config,
  options: Pick<OffloadOptions, "daysOld" | "allowShallow" | "clock" | "log">,
): Promise<OffloadPlan> {
  const now = (options.clock ?? Date.now)();
  const cutoff = now - options.daysOld * DAY_MS;
  // Fails closed: unreadable git history refuses; only a project outside git falls back to the working tree.
  const { versions: pinned, history } = await protectedVersions(config, {
    action: "offload",
    allowShallow: options.allowShallow,
    log: options.log,
  });
  const candidates: OffloadCandidate[] = [];
  let pinnedKept = 0;
  for (const dataset of await listDatasets(config.lineageDir)) {
    for (const v of await listVersions(config.lineageDir, dataset)) {
      const made = Date.parse(v.createdAt);
      if (!(made < cutoff)) continue;
      // Its one object, or its manifest and every partition object it names; not local unless all of them are.
      const files = await versionStoreFiles(config.dataDir, v.version, dataset).catch(() => undefined);
      if (!files) continue;
      if (pinned.has(v.version)) {
        pinnedKept++;
        continue;
      }
      const rejects = rejectsPath(config.dataDir, dataset, v.version);
      candidates.push({
        dataset,
        version: v.version,
        createdAt: v.createdAt,
        ageDays: Math.floor((now - made) / DAY_MS),
        size: (await Promise.all(files.map((f) => stat(f.file)))).reduce((n, s) => n + s.size, 0),
        ...(files[0]!.manifest ? { partitions: files.slice(1).map((f) => f.object) } : {}),
        ...(existsSync(rejects) ? { rejects } : {}),
      });
    }
  }
  return {
    cutoff: new Date(cutoff).toISOString(),
    candidates,
    pinnedKept,
    protection: !history
      ? "working tree only"
      : history.truncated
        ? "working tree and shallow git history"
        : "working tree and git history",
  };
}

/**
 * Moves unpinned versions older than `daysOld` days into one zip with their lineage records (verified after writing),
 * and with `deleteSource` removes their objects from the store under the store lock, re-checking the pins there.
 */
export async function offload(config: Config, options: OffloadOptions): Promise<OffloadResult> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const plan = await planOffload(config, { ...options, log });
  const bytes = plan.candidates.reduce((n, c) => n + c.size, 0);
  const at = new Date(clock());
  const zip = plan.candidates.length
    ? path.resolve(options.out ?? path.join(config.dataDir, "offload", `offload-${stamp(at)}.zip`))
    : null;
  if (!options.yes || !zip) return { dryRun: !options.yes, plan, zip, deleted: [], bytes };

  // The zip's own README and manifest go in a folder of their own: unpacked into the project root (the restore), they
  // land beside the offload zips, never on the project's README.md.
  const info = `data/offload/offload-${stamp(at)}`;
  const sources: ZipSource[] = [
    { name: `${info}/README.md`, data: readme(plan, at, options.deleteSource === true, info) },
    ...plan.candidates.flatMap((c) => [
      { name: zipRecord(c.dataset, c.version), file: recordPath(config.lineageDir, c.dataset, c.version) },
      ...(c.rejects
        ? [{ name: `data/${path.relative(config.dataDir, c.rejects).split(path.sep).join("/")}`, file: c.rejects }]
        : []),
    ]),
    // Each version's store files, each once: versions that share a partition's object share its entry. Checked
    // against their names on the way in, so a corrupt object is never the only copy.
    ...new Map(
      plan.candidates
        .flatMap((c) => storeFilesOf(config, c))
        .map((f) => [f.name, { ...f, compress: f.name.endsWith(".json") }] as const),
    ).values(),
  ];
  await writeZip(zip, sources, {
    mtime: at,
    signal: options.signal,
    manifestName: `${info}/manifest.json`,
    manifest: (files) => ({
      kind: "labbook-offload",
      manifestVersion: 1,
      createdAt: at.toISOString(),
      labbookVersion,
      cutoff: plan.cutoff,
      versions: plan.candidates.map(({ rejects: _r, ...c }) => c),
      files,
    }),
  });
  // Read the zip back before anything is deleted: the only copy must be a good one.
  await verifyZip(zip);
  log.info(`offload: ${plan.candidates.length} versions (${bytes} bytes) written to ${zip}`);
  if (!options.deleteSource) {
    await withLock(config, () => recordOffloaded(config.dataDir, zip, plan.candidates, at, false), options.signal);
    return { dryRun: false, plan, zip, deleted: [], bytes };
  }
  const deleted = await withLock(
    config,
    async () => {
      // Pins may have changed while the zip was written: decide again, holding the lock, by the same rules.
      const { versions: pinned } = await protectedVersions(config, {
        action: "offload",
        allowShallow: options.allowShallow,
        log,
      });
      const removable = plan.candidates.filter((c) => !pinned.has(c.version));
      for (const c of plan.candidates.filter((c) => pinned.has(c.version)))
        log.warn(`${c.dataset}@${shortVersion(c.version)} was pinned meanwhile: kept in the store`);
      await recordOffloaded(config.dataDir, zip, plan.candidates, at, removable);
      if (removable.length) config.onCommit?.(`offload of ${removable.length} objects to ${path.basename(zip)}`);
      // Not stopped by an interrupt: the index lists them as removed already, and removing them takes moments.
      for (const c of removable) {
        // A manifest goes first: a version is never left naming a partition object that is gone.
        await rm(c.partitions ? manifestPath(config.dataDir, c.version) : objectPath(config.dataDir, c.version), {
          force: true,
        });
        if (c.rejects) await rm(c.rejects, { force: true });
        log.progress(`offload: removed ${c.dataset}@${shortVersion(c.version)}`);
      }
      // Then the partition objects that no version left in the store names (a kept version may share them).
      const named = await namedObjects(config, new Set(removable.map((c) => c.version)));
      const orphans = new Set(
        removable.flatMap((c) => c.partitions ?? []).filter((o) => named !== "all" && !named.has(o)),
      );
      for (const o of orphans) await rm(objectPath(config.dataDir, o), { force: true });
      return removable;
    },
    options.signal,
  );
  log.info(`offload: removed ${deleted.length} objects from the store; their lineage records stay`);
  return { dryRun: false, plan, zip, deleted, bytes };
}

/** The zip entries of a candidate's store files: its object, or its manifest and its partitions' objects. */
function storeFilesOf(config: Config, c: OffloadCandidate): { name: string; file: string; expect: string }[] {
  const entry = (file: string) => `data/${path.relative(config.dataDir, file).split(path.sep).join("/")}`;
  if (!c.partitions) {
    const file = objectPath(config.dataDir, c.version);
    return [{ name: entry(file), file, expect: c.version }];
  }
  const manifest = manifestPath(config.dataDir, c.version);
  return [
    { name: entry(manifest), file: manifest, expect: c.version },
    ...c.partitions.map((o) => ({
      name: entry(objectPath(config.dataDir, o)),
      file: objectPath(config.dataDir, o),
      expect: o,
    })),
  ];
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

function readme(plan: OffloadPlan, at: Date, deleted: boolean, info: string): string {
  return [
    "# labbook offload",
    "",
    `Written ${at.toISOString()} by labbook ${labbookVersion}: the unpinned versions made before ${plan.cutoff}` +
      (deleted ? ", removed from the store afterwards." : ", copied (still in the store when this was written)."),
    `Pins honoured: ${plan.protection}.`,
    "",
    "| dataset | version | made | bytes |",
    "| --- | --- | --- | ---: |",
    ...plan.candidates.map((c) => `| ${c.dataset} | \`${c.version}\` | ${c.createdAt} | ${c.size} |`),
    "",
    "The layout is the project's: `data/objects/…` (each object named by its sha256), `data/rejects/…` and",
    `\`lineage/<dataset>/<sha256>.json\`; this README and manifest.json are in \`${info}/\`.`,
    "",
    "To restore, unzip into the project root without overwriting anything, then verify:",
    "",
    "```sh",
    "unzip -n <this zip> -d <project root>",
    "labbook verify",
    "```",
    "",
    "The objects land in the store. The lineage records are already there (offload keeps them), with the same bytes.",
    "data/offload/index.json is not changed by a restore: it records what each offload wrote and removed, while",
    '"labbook verify" reports what the store holds now. Check this zip with "labbook archive --verify <zip>".',
    "",
  ].join("\n");
}
