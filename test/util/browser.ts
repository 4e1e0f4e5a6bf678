import { existsSync } from "node:fs";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveStatic } from "./serve.ts";

/** The browser: LABBOOK_CHROMIUM, else the system chromium (playwright-core downloads none). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = [env.LABBOOK_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
    (p) => p && existsSync(p),
  );
  if (!found)
    throw new Error(
      "no chromium found: set LABBOOK_CHROMIUM to a Chromium or Chrome binary, or apt-get install -y chromium (.ci/run does)",
    );
  return found;
}

/** Headless Chromium with a fresh profile; it asks nothing of the network by itself. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // No sandbox: CI runs as root, where Chromium refuses to start with one.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return { context, close: () => browser.close() };
}

/**
 * Collects what goes wrong on a page from now on: console errors, uncaught errors, failed requests, HTTP errors, and
 * any request that leaves `origin` (a built page must need nothing from the network).
 */
export function watchPage(page: Page, origin: string): string[] {
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) problems.push(`request to ${r.url()}`);
  });
  return problems;
}

/**
 * Opens a page of a built site in headless Chromium and runs `fn` on it. Fails on anything watchPage reports, after
 * `fn` has run, so that late errors (a chart that throws once its data arrives) count too.
 */
export async function withPage<T>(dist: string, page: string, fn: (page: Page) => Promise<T>): Promise<T> {
  const server = await serveStatic(dist);
  const browser = await launchBrowser();
  try {
    const tab = await browser.context.newPage();
    const problems = watchPage(tab, server.url);
    await tab.goto(`${server.url}/${page}`, { waitUntil: "networkidle" });
    const result = await fn(tab);
    if (problems.length) throw new Error(`${page}: ${problems.join("\n")}`);
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}
