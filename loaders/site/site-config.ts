import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig, loadDotEnv } from "../config.ts";
import { readGitInfo } from "../lineage/git.ts";
import { readPins } from "../lineage/pins.ts";
import { failingChecksOfEnv } from "../quality/failing.ts";
import { buildTime } from "./build-time.ts";
import { discoverLoaders } from "./discover.ts";
import { sqlRunner } from "./fingerprint.ts";
import { watchdogImport } from "./framework.ts";
import { footerHtml, pageLoaders } from "./footer.ts";
import { dynamicPaths, sidebar, sitePages } from "./pages.ts";
import { pseudonymKey, type PseudonymKey } from "../pseudonym.ts";

/**
 * The parts of Framework's config that labbook derives from src/, so that a new page needs no config edit: the
 * sidebar from each page's front matter, the templated pages from the query beside them, each page's provenance
 * footer from the loaders it reads, and the interpreters that run `.sql` and `.ts` loaders.
 */
export async function siteConfig(env: NodeJS.ProcessEnv = process.env) {
  loadDotEnv();
  const config = loadConfig(env);
  const siteRoot = path.join(config.root, "src");
  let key: Promise<PseudonymKey> | undefined;
  const pages = await sitePages(config, siteRoot, () => (key ??= pseudonymKey(config, env)));
  const loaders = await discoverLoaders(siteRoot);
  const facts = {
    pinSet: config.pinSet,
    pins: (await readPins(config.lineageDir))[config.pinSet] ?? {},
    git: await readGitInfo(config.root),
    builtAt: new Date(buildTime(env)).toISOString(),
    failingChecks: failingChecksOfEnv(env),
  };
  const footers = new Map<string, string>();
  for (const page of pages) {
    const markdown = await readFile(path.join(siteRoot, page.file), "utf8");
    footers.set(page.path, footerHtml(page, pageLoaders(page, markdown, loaders), facts));
  }
  // The watchdog kills a loader whose Framework is gone (see watchdog.mjs).
  const node = [process.execPath, "--no-warnings=ExperimentalWarning", "--import", watchdogImport, "--import", "tsx"];
  return {
    pages: sidebar(pages),
    dynamicPaths: dynamicPaths(pages),
    footer: ({ path: route }: { path: string }) => footers.get(route.replace(/(^|\/)index$/, "$1")) ?? "",
    // Loaders run in node with tsx's loader hook, one process each, no network; SQL through labbook's runner.
    interpreters: { ".ts": node, ".sql": [...node, sqlRunner(config.root)] },
  };
}
