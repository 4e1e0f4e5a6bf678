import { existsSync } from "node:fs";
import { chromium, type Page } from "playwright-core";
import { serveStatic } from "./serve.ts";

/** The browser: LABBOOK_CHROMIUM, else the system chromium (playwright-core downloads none). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = [env.LABBOOK_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
    (p) => p && existsSync(p),
  );
  if (!found) throw new Error("no chromium found: set LABBOOK_CHROMIUM to a Chromium or Chrome binary");
  return found;
}

/**
 * Opens a page of a built site in headless Chromium and runs `fn` on it. Fails on any uncaught page error, and on
 * any request that leaves the loopback server (a built page must need nothing from the network).
 */
export async function withPage<T>(dist: string, page: string, fn: (page: Page) => Promise<T>): Promise<T> {
  const server = await serveStatic(dist);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  try {
    const tab = await browser.newPage();
    const problems: string[] = [];
    tab.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    tab.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) problems.push(`request to ${r.url()}`);
    });
    await tab.goto(`${server.url}/${page}`);
    const result = await fn(tab);
    if (problems.length) throw new Error(problems.join("\n"));
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}
