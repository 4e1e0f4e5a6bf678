import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";

/**
 * What lands in Framework's loader cache carries the fingerprint it was made from. The build hands each loader the
 * fingerprints of its own run (LABBOOK_FINGERPRINTS, in Framework's environment, which its loaders inherit); a loader
 * that printed its output leaves a stamp `<sha256 of the output>.<fingerprint>` beside the cache. The build accepts a
 * cached output only if a stamp names its bytes with the fingerprint of now: an output that a loader of an older
 * build (a killed one whose Framework still renamed it in) made at other pins has no such stamp, whatever its mtime.
 */
export const FINGERPRINTS_ENV = "LABBOOK_FINGERPRINTS";

/** In Framework's loader cache (invalidate.ts), which it ignores: dot folders are never served. */
export const stampsDir = (siteRoot: string) => path.join(siteRoot, ".observablehq", "cache", ".labbook-stamps");

const stampName = (digest: string, fingerprint: string) => `${digest}.${fingerprint}`;

/** Called by a loader once its output is written: stamps it with the fingerprint its build gave it, if any. */
export async function stampOutput(env: NodeJS.ProcessEnv, loaderFile: string, digest: string): Promise<void> {
  const root = env.LABBOOK_ROOT || process.cwd();
  const siteRoot = path.join(root, "src");
  const name = path.relative(siteRoot, path.resolve(root, loaderFile)).split(path.sep).join("/");
  let fingerprints: Record<string, string>;
  try {
    fingerprints = JSON.parse(env[FINGERPRINTS_ENV] ?? "{}") as Record<string, string>;
  } catch {
    return;
  }
  const fingerprint = fingerprints[name];
  // Run outside a build (by hand, or in `labbook dev` before a build): nothing to stamp, and nothing will trust it.
  if (!fingerprint) return;
  await recordStamp(siteRoot, digest, fingerprint);
}

/** Records that the output whose bytes have SHA-256 `digest` was made from `fingerprint`. */
export async function recordStamp(siteRoot: string, digest: string, fingerprint: string): Promise<void> {
  const dir = stampsDir(siteRoot);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, stampName(digest, fingerprint)), "");
}

export async function fileDigest(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Whether the cached output `file` was made from `fingerprint`. */
export async function stamped(siteRoot: string, file: string, fingerprint: string): Promise<boolean> {
  const digest = await fileDigest(file).catch(() => undefined);
  return digest !== undefined && existsSync(path.join(stampsDir(siteRoot), stampName(digest, fingerprint)));
}

/** Removes the stamps that name none of `keep` (digest and fingerprint pairs of the outputs in the cache). */
export async function pruneStamps(siteRoot: string, keep: { file: string; fingerprint: string }[]): Promise<void> {
  const wanted = new Set<string>();
  for (const k of keep) {
    const digest = await fileDigest(k.file).catch(() => undefined);
    if (digest) wanted.add(stampName(digest, k.fingerprint));
  }
  const dir = stampsDir(siteRoot);
  for (const name of await readdir(dir).catch(() => [])) {
    if (!wanted.has(name)) await rm(path.join(dir, name), { force: true });
  }
}
