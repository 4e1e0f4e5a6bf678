import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Page } from "playwright-core";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** The browser: LABBOOK_CHROMIUM, else the system chromium (playwright-core downloads none). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = [env.LABBOOK_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
    (p) => p && existsSync(p),
  );
  if (!found) throw new Error("no chromium found: set LABBOOK_CHROMIUM to a Chromium or Chrome binary");
  return found;
}

/** Serves a built site as Framework's preview does: "/x" is x.html, "/x/" is x/index.html. Loopback only. */
async function serve(dist: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    let p = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    if (p.endsWith("/")) p += "index";
    let file = path.join(dist, path.normalize(p));
    if (!path.extname(file)) file += ".html";
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Opens a page of a built site in headless Chromium and runs `fn` on it. Fails on any uncaught page error, and on
 * any request that leaves the loopback server (a built page must need nothing from the network).
 */
export async function withPage<T>(dist: string, page: string, fn: (page: Page) => Promise<T>): Promise<T> {
  const server = await serve(dist);
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
