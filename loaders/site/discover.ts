import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LabbookError } from "../errors.ts";
import { describeOnly, isLoaderDefinition, type LoaderDeclaration } from "./loader.ts";
import { sqlReads } from "./sql-reads.ts";

/** A data loader found under src/, with what it reads. */
export interface SiteLoader extends LoaderDeclaration {
  /** Its file relative to src/ (posix separators): its name in build logs, fingerprints and footers. */
  name: string;
  file: string;
  kind: "sql" | "ts";
  /** A SQL loader's text (its fingerprint covers it). */
  sql?: string;
}

// A data loader is a file with a data extension followed by an interpreter's: events.json.sql, a.zip.ts, b.csv.py.
const LOADER_FILE = /\.[A-Za-z0-9]+\.(sql|ts|js|py|r|R|sh|go|java|jl|php|rs|exe)$/;
/** A templated page family's list of pages (see pages.ts): a query, not a data loader. */
export const PATHS_FILE = /\.paths\.sql$/;

/** Every file under src/ a page could be built from, relative to it; Framework's cache and dot folders left out. */
export async function siteFiles(siteRoot: string): Promise<string[]> {
  if (!existsSync(siteRoot)) return [];
  const entries = await readdir(siteRoot, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(siteRoot, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .filter((f) => !f.split("/").some((part) => part.startsWith(".") || part === "node_modules"))
    .sort();
}

/** The data loader files under src/, relative to it. Only SQL and TypeScript loaders can say what they read. */
export async function loaderFiles(siteRoot: string): Promise<{ file: string; kind: "sql" | "ts" }[]> {
  const found = (await siteFiles(siteRoot)).filter((f) => LOADER_FILE.test(f) && !PATHS_FILE.test(f));
  const other = found.filter((f) => !/\.(sql|ts)$/.test(f));
  if (other.length)
    throw new LabbookError(`data loaders labbook cannot run: ${other.map((f) => `src/${f}`).join(", ")}`, {
      code: "E_CONFIG",
      details: [
        "Write loaders in SQL (.json.sql) or TypeScript (.json.ts with defineLoader): each says what it reads.",
      ],
    });
  return found.map((file) => ({ file, kind: file.endsWith(".sql") ? "sql" : "ts" }));
}

/**
 * Every loader under src/ and the pinned datasets it reads: a SQL loader's from its query (DuckDB's parser), a
 * TypeScript loader's from its `defineLoader({reads})`, read by importing the file without running it.
 */
export async function discoverLoaders(siteRoot: string): Promise<SiteLoader[]> {
  const files = await loaderFiles(siteRoot);
  if (files.length === 0) return [];
  const out: SiteLoader[] = [];
  const sql = files.filter((f) => f.kind === "sql");
  if (sql.length) {
    const { withDuckDB } = await import("../duckdb.ts");
    await withDuckDB(async (con) => {
      for (const { file } of sql) {
        const text = await readFile(path.join(siteRoot, file), "utf8");
        const reads = await sqlReads(con, text, `src/${file}`);
        out.push({ name: file, file, kind: "sql", reads: reads.tables, sql: text });
      }
    });
  }
  for (const { file } of files.filter((f) => f.kind === "ts")) out.push(await describeTsLoader(siteRoot, file));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function describeTsLoader(siteRoot: string, file: string): Promise<SiteLoader> {
  const full = path.join(siteRoot, file);
  // The mtime in the URL makes a later call (in `dev`) see an edited declaration.
  const url = `${pathToFileURL(full).href}?describe=${(await stat(full)).mtimeMs}`;
  const mod = (await describeOnly(() => import(url))) as { default?: unknown };
  if (!isLoaderDefinition(mod.default))
    throw new LabbookError(`src/${file} does not say what it reads`, {
      code: "E_CONFIG",
      details: [
        'A TypeScript loader ends with: export default defineLoader({reads: ["<dataset>", …]}, compute);',
        "(import defineLoader from loaders/site/loader.ts). The build re-runs it when those datasets are re-pinned.",
      ],
    });
  const { reads, lineage, volatile } = mod.default;
  return { name: file, file, kind: "ts", reads, ...(lineage ? { lineage } : {}), ...(volatile ? { volatile } : {}) };
}

/** The datasets a loader reads under a pin set. */
export function readsOf(loader: Pick<SiteLoader, "reads">, pinned: Record<string, string>): string[] {
  return loader.reads === "all" ? Object.keys(pinned).sort() : [...loader.reads];
}
