import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Sql } from "postgres";
import { projectRoot } from "../../loaders/config.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { runCli, type CliResult } from "./cli.ts";

/**
 * A throwaway labbook project for site builds: its own src/ (a copy, so Framework's loader cache under
 * src/.observablehq is its own), data/, lineage/ and dist/, with loaders/, bin/ and node_modules/ linked to the
 * repository. Builds in it never touch the developer's working tree.
 */
export interface SiteProject {
  root: string;
  env: Record<string, string>;
  /** Runs the real `labbook` bin in the project. */
  cli(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  remove(): Promise<void>;
}

/**
 * `src: "demo"` copies the demo site's src/; `src: "empty"` starts with only its stylesheet and a home page, for
 * tests of pages a researcher adds (quicker to build).
 */
export async function createSiteProject(
  databaseUrl?: string,
  options: { src?: "demo" | "empty" } = {},
): Promise<SiteProject> {
  const root = await mkdtemp(path.join(tmpdir(), "labbook-site-"));
  // Open, like a checkout: mkdtemp makes it private, and as root the embedded cluster would then live outside it.
  await chmod(root, 0o755);
  for (const entry of ["loaders", "bin", "node_modules", "package.json"])
    await symlink(path.join(projectRoot, entry), path.join(root, entry));
  await cp(path.join(projectRoot, "observablehq.config.ts"), path.join(root, "observablehq.config.ts"));
  if (options.src === "empty") {
    await mkdir(path.join(root, "src"), { recursive: true });
    await cp(path.join(projectRoot, "src", "style.css"), path.join(root, "src", "style.css"));
    await writeFile(path.join(root, "src", "index.md"), "# Reports\n\nThe pages in the sidebar.\n");
  } else {
    await cp(path.join(projectRoot, "src"), path.join(root, "src"), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}.observablehq`),
    });
  }
  const env: Record<string, string> = {
    LABBOOK_ROOT: root,
    LABBOOK_DATA_DIR: path.join(root, "data"),
    LABBOOK_LINEAGE_DIR: path.join(root, "lineage"),
    LABBOOK_PINS: "",
    LABBOOK_REMOTE: "",
    LABBOOK_PSEUDONYM_KEY: "",
    DATABASE_URL: databaseUrl ?? "",
  };
  return {
    root,
    env,
    cli: (args, extra = {}) => runCli(args, { ...env, ...extra }, root),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

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
  project: SiteProject,
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
