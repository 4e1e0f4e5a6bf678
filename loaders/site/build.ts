import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.ts";
import { publishDir, stagingDir } from "../out-dir.ts";
import { LabbookError } from "../errors.ts";
import { pinSet, readPins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { findFrameworkTemps } from "../debris.ts";
import { withLock } from "../lock.ts";
import { BUILD_TIME_ENV, buildTime } from "./build-time.ts";
import { assertPinned } from "../store/pinned.ts";
import { siteReader } from "./context.ts";
import { discoverLoaders } from "./discover.ts";
import { loaderFingerprint } from "./fingerprint.ts";
import { runFramework } from "./framework.ts";
import {
  cacheDir,
  invalidateStale,
  unstampedOutputs,
  type InvalidateOptions,
  type Invalidation,
} from "./invalidate.ts";
import { prepareOfflineNpmCache } from "./offline.ts";
import { assertPageDeps } from "./page-deps.ts";
import { prepareSiteData, type Preparation } from "./prepare.ts";
import { FINGERPRINTS_ENV } from "./stamps.ts";
import { pseudonymKey } from "../pseudonym.ts";

export interface SiteBuildOptions {
  /** Where the static site goes (default <root>/dist). */
  outDir?: string;
  log?: Logger;
  signal?: AbortSignal;
  /** Framework's own progress (default stderr), shown only when `verbose`; its warnings go to `log` either way. */
  frameworkOutput?: NodeJS.WritableStream;
  /** Framework's per-file lines and the list of loaders to run (`labbook build --verbose`). */
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  clock?: () => number;
}

export interface SiteBuildResult extends Invalidation {
  outDir: string;
  pinSet: string;
  pins: Record<string, string>;
  preparation: Preparation;
  /** Page paths, e.g. "index.html", "experiments/<id>.html". */
  pages: string[];
  seconds: number;
}

export const siteRoot = (config: Config) => path.join(config.root, "src");

/**
 * Everything before Framework runs, shared by `build` and `dev`: pinned data present, pseudonym key made, stale
 * loader outputs removed, offline npm cache seeded. Returns what Framework's environment needs.
 */
export async function prepareSite(config: Config, options: SiteBuildOptions = {}) {
  const log = options.log ?? silentLogger;
  const env = options.env ?? process.env;
  const preparation = await prepareSiteData(config, { log, signal: options.signal });
  const { pins, loaders, fingerprints, invalidation } = await invalidateSite(config, env);
  await prepareOfflineNpmCache(config.root, siteRoot(config));
  const frameworkEnv: NodeJS.ProcessEnv = {
    ...env,
    LABBOOK_ROOT: config.root,
    LABBOOK_DATA_DIR: config.dataDir,
    LABBOOK_LINEAGE_DIR: config.lineageDir,
    LABBOOK_PINS: config.pinSet,
    // Each loader stamps its output with its fingerprint of this run (stamps.ts).
    [FINGERPRINTS_ENV]: JSON.stringify(fingerprints),
  };
  return { preparation, pins, loaders, fingerprints, invalidation, frameworkEnv };
}

/**
 * Finds every loader under src/, checks the pin set pins what each reads, fingerprints them and removes the cached
 * outputs that went stale.
 */
export async function invalidateSite(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  options: InvalidateOptions = {},
) {
  const key = await pseudonymKey(config, env);
  const pinsFile = await readPins(config.lineageDir);
  const pins = pinSet(pinsFile, config.pinSet);
  const loaders = await discoverLoaders(siteRoot(config));
  for (const l of loaders) {
    const { reader, otherwise } = siteReader(`src/${l.file}`);
    if (l.reads !== "all") assertPinned(reader, l.reads, config.pinSet, pinsFile, otherwise);
  }
  const fingerprints: Record<string, string> = {};
  for (const loader of loaders) {
    fingerprints[loader.name] = await loaderFingerprint(loader, {
      root: config.root,
      lineageDir: config.lineageDir,
      pinSet: config.pinSet,
      pins,
      keyId: key.id,
    });
  }
  return {
    pins,
    loaders,
    fingerprints,
    invalidation: await invalidateStale(siteRoot(config), loaders, fingerprints, options),
  };
}

/** `npm run build`: the static site from the pinned versions, re-running exactly the loaders whose inputs changed. */
export async function buildSite(config: Config, options: SiteBuildOptions = {}): Promise<SiteBuildResult> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const started = clock();
  const outDir = path.resolve(config.root, options.outDir ?? "dist");
  // Fixed once for Framework and every loader it runs; SOURCE_DATE_EPOCH makes it the same on every rebuild.
  const builtAt = new Date(buildTime(options.env ?? process.env, () => started)).toISOString();
  await assertReplaceable(outDir);
  // One build per site root at a time: Framework's loader cache is shared.
  return withLock(
    cacheDir(siteRoot(config)),
    async () => {
      // What the Framework of a killed build was writing into the cache: this build holds the cache now.
      for (const d of await findFrameworkTemps(cacheDir(siteRoot(config)))) await rm(d.path, { force: true });
      const { preparation, pins, loaders, fingerprints, invalidation, frameworkEnv } = await prepareSite(
        config,
        options,
      );
      if (options.verbose)
        log.info(
          `build: pin set "${config.pinSet}" ready in ${((clock() - started) / 1000).toFixed(1)} s; ` +
            `loaders to run: ${invalidation.rerun.join(", ") || "none"}` +
            (invalidation.kept.length ? `; unchanged: ${invalidation.kept.join(", ")}` : ""),
        );
      // Framework writes into a temp sibling that replaces outDir only once the build is whole and checked: an
      // interrupted or failed build leaves outDir as it was.
      const staging = await stagingDir(path.dirname(outDir), path.basename(outDir));
      let pages: string[];
      try {
        await runFramework(["build"], {
          root: config.root,
          env: { ...frameworkEnv, LABBOOK_SITE_OUTPUT: staging, [BUILD_TIME_ENV]: builtAt },
          output: options.frameworkOutput ?? process.stderr,
          echo: options.verbose === true,
          onWarning: (line) =>
            log.warn(
              `Framework: ${line.replace(/^warning:?\s*/i, "")}` + (options.verbose ? "" : " (--verbose shows which)"),
            ),
          signal: options.signal,
        });
        // What the pages were built from must be what this build's loaders made, not what a loader of a killed
        // build left in the cache meanwhile (its Framework still running then): checked, never trusted by mtime.
        const foreign = await unstampedOutputs(siteRoot(config), loaders, fingerprints);
        if (foreign.length)
          throw new LabbookError(`loader outputs in the cache were not made by this build: ${foreign.join(", ")}`, {
            code: "E_PIPELINE",
            details: [
              "Another build's loader (one of a killed build) wrote them while this one ran; they are removed.",
              "The output directory is unchanged. Run labbook build again.",
            ],
          });
        await stampFileTimes(staging, Date.parse(builtAt));
        await assertPageDeps(staging);
        pages = await listPages(staging);
        options.signal?.throwIfAborted();
        await publishDir(staging, outDir);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      const seconds = (clock() - started) / 1000;
      return { outDir, pinSet: config.pinSet, pins, preparation, ...invalidation, pages, seconds };
    },
    options.signal,
  );
}

/**
 * Framework gives each FileAttachment of a page the mtime of its file (`lastModified`): for a loader's output, when it
 * last ran on this machine. That would make two builds of one commit differ, so every file is stamped with the
 * build's time instead (SOURCE_DATE_EPOCH when set), the time the published data is as of.
 */
export async function stampFileTimes(outDir: string, builtAt: number): Promise<void> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith(".html"))) {
    const file = path.join(entry.parentPath, entry.name);
    const html = await readFile(file, "utf8");
    const stamped = html.replace(
      /^(registerFile\(.*"lastModified":)-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gm,
      (_m, head: string) => `${head}${builtAt}`,
    );
    if (stamped !== html) await writeFile(file, stamped);
  }
}

/** The build replaces its output directory, so that must be absent, empty or a previous build: never any folder. */
async function assertReplaceable(outDir: string): Promise<void> {
  if (!existsSync(outDir)) return;
  const entries = await readdir(outDir);
  if (entries.length && !entries.includes("_observablehq"))
    throw new LabbookError(`output directory ${outDir} is not empty and holds no previous build`, {
      code: "E_USAGE",
      details: ["Choose an empty or new directory with --out; labbook only replaces its own builds."],
    });
}

async function listPages(outDir: string): Promise<string[]> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".html") && !e.name.startsWith("404"))
    .map((e) => path.relative(outDir, path.join(e.parentPath, e.name)))
    .sort();
}
