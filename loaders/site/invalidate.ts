import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SiteLoader } from "./discover.ts";

/** Framework's loader cache under a site root (it reuses any output found there). */
export const cacheDir = (siteRoot: string) => path.join(siteRoot, ".observablehq", "cache");
const fingerprintFile = (siteRoot: string) => path.join(cacheDir(siteRoot), "labbook-fingerprints.json");

const ARCHIVE = /\.(zip|tar|tgz|tar\.gz)$/;

/**
 * The cached files Framework keeps for a loader: its output, and for an archive also the files extracted from it
 * (data/experiments.zip.ts → data/experiments.zip and data/experiments/…), which Framework caches separately. A
 * loader with route parameters (experiments/[protocol].json.sql) has one output per value: all of them.
 */
export async function cachedOutputs(siteRoot: string, loader: Pick<SiteLoader, "file">): Promise<string[]> {
  const target = loader.file.replace(/\.[^.]+$/, "");
  const targets = [target];
  const archive = ARCHIVE.exec(target);
  if (archive) targets.push(target.slice(0, -archive[0].length));
  if (!target.includes("[")) return targets.map((t) => path.join(cacheDir(siteRoot), t));
  const cache = cacheDir(siteRoot);
  const cached = existsSync(cache)
    ? (await readdir(cache, { recursive: true })).map((f) => String(f).split(path.sep).join("/"))
    : [];
  const patterns = targets.map(
    (t) =>
      new RegExp(
        `^${t
          .split(/\[[^\]/]+\]/)
          .map(escape)
          .join("[^/]+")}$`,
      ),
  );
  return cached.filter((f) => patterns.some((p) => p.test(f))).map((f) => path.join(cache, f));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export interface Invalidation {
  /** Loaders whose cached output was removed (or missing): Framework runs them. */
  rerun: string[];
  /** Loaders whose cached output is still right. */
  kept: string[];
}

/**
 * Removes the cached outputs of loaders whose fingerprint changed, then records the new fingerprints. Outputs go
 * first: a crash in between leaves an output missing, which Framework regenerates, never a stale one marked fresh.
 */
export async function invalidateStale(
  siteRoot: string,
  loaders: readonly SiteLoader[],
  fingerprints: Record<string, string>,
): Promise<Invalidation> {
  const stored = await readFingerprints(siteRoot);
  const result: Invalidation = { rerun: [], kept: [] };
  for (const loader of loaders) {
    const outputs = await cachedOutputs(siteRoot, loader);
    // A parameterized loader's outputs exist only for the pages built so far: none is not stale.
    const present = loader.file.includes("[") || existsSync(outputs[0]!);
    const fresh = !loader.volatile && stored[loader.name] === fingerprints[loader.name] && present;
    if (fresh) {
      result.kept.push(loader.name);
    } else {
      for (const file of outputs) await rm(file, { recursive: true, force: true });
      result.rerun.push(loader.name);
    }
  }
  await writeFingerprints(siteRoot, { ...stored, ...fingerprints });
  return result;
}

async function readFingerprints(siteRoot: string): Promise<Record<string, string>> {
  try {
    const parsed = JSON.parse(await readFile(fingerprintFile(siteRoot), "utf8")) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    // Unreadable or absent: every loader counts as changed.
    return {};
  }
}

async function writeFingerprints(siteRoot: string, fingerprints: Record<string, string>): Promise<void> {
  const file = fingerprintFile(siteRoot);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(fingerprints, null, 2)}\n`);
  await rename(tmp, file);
}
