import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Sql } from "postgres";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";

/** A small deterministic study: enough users and days for a few ABAB protocols, quick to ingest and build. */
export const SMALL_SEED: SeedOptions = {
  ...DEFAULT_SEED_OPTIONS,
  users: 12,
  days: 40,
  events: 6000,
  protocolShare: 0.4,
};

export async function seedSmall(sql: Sql, options: Partial<SeedOptions> = {}): Promise<void> {
  await seedDatabase(sql, { ...SMALL_SEED, ...options }, "pascal");
}

/** Every file under a directory, as paths relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * The data files a built page loads: Framework registers each FileAttachment as "./_file/…" (relative to the page)
 * in the page's module script.
 */
export async function pageDataFiles(dist: string, page: string): Promise<{ file: string; size: number }[]> {
  const html = await readFile(path.join(dist, page), "utf8");
  const refs = new Set([...html.matchAll(/["']((?:\.\.\/|\.\/)*_file\/[^"'?]+)/g)].map((m) => m[1]!));
  return Promise.all(
    [...refs].map(async (ref) => {
      const file = path.normalize(path.join(path.dirname(page), ref));
      return { file, size: (await stat(path.join(dist, file))).size };
    }),
  );
}

export async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
