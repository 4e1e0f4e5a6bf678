import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Sql } from "postgres";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import type { TestProject } from "./project.ts";

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

/**
 * What a first `labbook build` pins, done with the CLI: `labbook ingest --all` (with `args`), then `labbook run` on
 * the versions just ingested. Returns every source and derived dataset's version, dataset → version. With `earlier`
 * (the versions of an earlier call), a stage that fails on these sources (defect data the pipeline's schema refuses)
 * keeps its earlier version, as `labbook pin --all` after the failed run would pin it.
 */
export async function ingestAndDerive(
  project: TestProject,
  args: string[] = [],
  earlier?: Record<string, string>,
): Promise<Record<string, string>> {
  const ingest = await project.cli(["ingest", "--all", ...args, "--json"]);
  if (ingest.code !== 0) throw new Error(`labbook ingest failed: ${ingest.stderr}`);
  const versions = JSON.parse(ingest.stdout) as { dataset: string; version: string }[];
  const run = await project.cli(["run", "--json"]);
  if (run.code !== 0 && !earlier) throw new Error(`labbook run failed: ${run.stderr}`);
  const { stages } = JSON.parse(run.stdout) as { stages: { dataset: string; status: string; version?: string }[] };
  const derived = stages.flatMap((s) => {
    const version = s.status === "ran" || s.status === "up-to-date" ? s.version : earlier?.[s.dataset];
    return version ? [[s.dataset, version]] : [];
  });
  return Object.fromEntries([...versions.map((v) => [v.dataset, v.version]), ...derived]);
}
