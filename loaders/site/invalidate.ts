import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";
import type { SiteLoader } from "./manifest.ts";

/** Framework's loader cache under a site root (it reuses any output found there). */
export const cacheDir = (siteRoot: string) => path.join(siteRoot, ".observablehq", "cache");
const fingerprintFile = (siteRoot: string) => path.join(cacheDir(siteRoot), "labbook-fingerprints.json");

const ARCHIVE = /\.(zip|tar|tgz|tar\.gz)$/;

/**
 * The cached files Framework keeps for a loader: its output, and for an archive also the files extracted from it
 * (data/experiments.zip.ts → data/experiments.zip and data/experiments/…), which Framework caches separately.
 */
export function cachedOutputs(siteRoot: string, loader: SiteLoader): string[] {
  const target = loader.file.replace(/\.[^.]+$/, "");
  const out = [path.join(cacheDir(siteRoot), target)];
  const archive = ARCHIVE.exec(target);
  if (archive) out.push(path.join(cacheDir(siteRoot), target.slice(0, -archive[0].length)));
  return out;
}

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
    const outputs = cachedOutputs(siteRoot, loader);
    const fresh = !loader.volatile && stored[loader.name] === fingerprints[loader.name] && existsSync(outputs[0]!);
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

// A Framework data loader is a file with a data extension followed by an interpreter's: events.json.ts, a.csv.py.
const LOADER_FILE = /\.[A-Za-z0-9]+\.(ts|js|py|r|R|sh|go|java|jl|php|rs|exe)$/;

/**
 * Fails when src/ holds a data loader that the manifest does not declare: the build could not tell when its output
 * goes stale, and Framework would serve an old one forever.
 */
export async function assertLoadersDeclared(siteRoot: string, loaders: readonly SiteLoader[]): Promise<void> {
  const entries = await readdir(siteRoot, { recursive: true, withFileTypes: true });
  const declared = new Set(loaders.map((l) => l.file));
  const undeclared = entries
    .filter((e) => e.isFile() && LOADER_FILE.test(e.name))
    .map((e) => path.relative(siteRoot, path.join(e.parentPath, e.name)))
    .filter((file) => !file.startsWith(".observablehq") && !declared.has(file))
    .sort();
  if (undeclared.length)
    throw new LabbookError(
      `data loaders missing from loaders/site/manifest.ts: ${undeclared.map((f) => `src/${f}`).join(", ")}`,
      {
        code: "E_CONFIG",
        details: ["Declare each with the pinned datasets it reads, so the build knows when to re-run it."],
      },
    );
}
