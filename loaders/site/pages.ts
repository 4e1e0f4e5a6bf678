import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.ts";
import { isLabbookError, LabbookError } from "../errors.ts";
import { siteFiles } from "./discover.ts";
import { pageMeta } from "./front-matter.ts";
import type { PseudonymKey } from "../pseudonym.ts";

/** One page of the site: its Markdown file, route and sidebar entry. */
export interface SitePage {
  /** Relative to src/, e.g. "experiments/[protocol].md". */
  file: string;
  /** Framework's route, e.g. "/events", "/experiments/" or "/experiments/p001". */
  path: string;
  title: string;
  section?: string;
  hidden: boolean;
}

/** A route value that is safe as a file name and a URL segment. */
const PATH_VALUE = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Every page under src/: one per Markdown file, and for a templated page `[param].md` one per row of the query beside
 * it, `[param].paths.sql`, which returns a column named after the parameter and optionally `title` (the sidebar name).
 * The query runs like a SQL loader: at the build's pins, over pseudonymized views.
 */
export async function sitePages(
  config: Config,
  siteRoot: string,
  key: () => Promise<PseudonymKey>,
): Promise<SitePage[]> {
  const files = await siteFiles(siteRoot);
  const pages: SitePage[] = [];
  for (const file of files.filter((f) => f.endsWith(".md"))) {
    const meta = pageMeta(await readFile(path.join(siteRoot, file), "utf8"), path.posix.basename(file, ".md"));
    const param = /\[([A-Za-z0-9_]+)\]\.md$/.exec(file)?.[1];
    if (!param) {
      pages.push({ file, path: routeOf(file), ...meta });
      continue;
    }
    const list = file.replace(/\.md$/, ".paths.sql");
    if (!files.includes(list)) continue;
    for (const row of await familyRows(config, path.join(siteRoot, list), key)) {
      const value = row[param];
      const shown = `src/${list}`;
      if (typeof value !== "string" || !PATH_VALUE.test(value))
        throw new LabbookError(`${shown}: ${JSON.stringify(value)} is not a usable page path for [${param}]`, {
          code: "E_VALIDATION",
          details: [`Return a column "${param}" of ids made of letters, digits, "_" and "-" (one row per page).`],
        });
      const title = typeof row.title === "string" && row.title ? row.title : value;
      pages.push({ file, path: routeOf(file.replace(`[${param}]`, value)), ...meta, title });
    }
  }
  return pages;
}

/** The family's rows, or none while the pins or their objects are not there yet (`dev` before the first build). */
async function familyRows(config: Config, file: string, key: () => Promise<PseudonymKey>) {
  const { querySqlFile } = await import("./sql-loader.ts");
  try {
    return await querySqlFile({ config, file, key: await key() });
  } catch (e) {
    if (isLabbookError(e, "E_NOT_FOUND")) return [];
    throw e;
  }
}

const routeOf = (file: string) => `/${file.replace(/\.md$/, "").replace(/(^|\/)index$/, "$1")}`;

export interface SidebarPage {
  name: string;
  path: string;
}
export interface SidebarSection {
  name: string;
  open: boolean;
  pages: SidebarPage[];
}

/**
 * Framework's `pages`: each page under its front matter's `section`, sections and top-level pages by name, a family's
 * pages after the section's other pages. The home page (src/index.md) is the site title's link, so it is left out.
 */
export function sidebar(pages: readonly SitePage[]): (SidebarPage | SidebarSection)[] {
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const shown = pages.filter((p) => !p.hidden && p.path !== "/");
  const entry = (p: SitePage) => ({ name: p.title, path: p.path });
  const sections = new Map<string, SitePage[]>();
  for (const p of shown) if (p.section) sections.set(p.section, [...(sections.get(p.section) ?? []), p]);
  const top: (SidebarPage | SidebarSection)[] = shown.filter((p) => !p.section).map(entry);
  for (const [name, members] of sections) {
    const plain = members
      .filter((p) => !p.file.includes("["))
      .map(entry)
      .sort(byName);
    const family = members
      .filter((p) => p.file.includes("["))
      .map(entry)
      .sort(byName);
    top.push({ name, open: true, pages: [...plain, ...family] });
  }
  return top.sort(byName);
}

/** Framework's `dynamicPaths`: the routes of the templated pages. */
export const dynamicPaths = (pages: readonly SitePage[]) =>
  pages.filter((p) => p.file.includes("[")).map((p) => p.path);
