import { existsSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { cacheDir } from "./invalidate.ts";

/**
 * Framework bundles its client with lazy `import("npm:…")` getters for the implicit libraries (d3, Plot, htl,
 * react-dom, …). Bundling resolves each to a version, asking registry.npmjs.org unless a version directory already
 * exists in the cache's _npm folder. Pages import those libraries from node_modules instead and never load these
 * getters, so an empty directory per package, named with the installed version (or 0.0.0), keeps the build offline.
 * The names are read from Framework's own client code, so an upgrade that adds one is covered.
 */
export async function prepareOfflineNpmCache(root: string, siteRoot: string): Promise<string[]> {
  const require = createRequire(path.join(root, "package.json"));
  const framework = path.dirname(require.resolve("@observablehq/framework/package.json"));
  const names = new Set<string>();
  for (const file of await jsFiles(path.join(framework, "dist", "client"))) {
    for (const m of (await readFile(file, "utf8")).matchAll(/["'`]npm:((?:@[\w.-]+\/)?[\w.-]+)/g)) names.add(m[1]!);
  }
  const npm = path.join(cacheDir(siteRoot), "_npm");
  const created: string[] = [];
  for (const name of [...names].sort()) {
    const versions = existsSync(path.join(npm, path.dirname(name)))
      ? (await readdir(path.join(npm, path.dirname(name)))).filter((d) => d.startsWith(`${path.basename(name)}@`))
      : [];
    if (versions.length) continue;
    const dir = path.join(npm, `${name}@${await installedVersion(root, name)}`);
    await mkdir(dir, { recursive: true });
    created.push(name);
  }
  return created;
}

async function installedVersion(root: string, name: string): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(path.join(root, "node_modules", name, "package.json"), "utf8"));
    return /^\d+\.\d+\.\d+/.test(pkg.version) ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".js")).map((e) => path.join(e.parentPath, e.name));
}
