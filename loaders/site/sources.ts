import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

// Relative specifiers of static imports, re-exports and dynamic imports with a literal argument; `import type` is
// erased before anything runs, so it is left out.
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?!type\s)[^"'`]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/gm;

/**
 * The local source files a module runs: itself and, transitively, every relative import. Packages are left out (their
 * versions are pinned by package-lock.json). A loader's output can only change when one of these files, or its
 * pinned inputs, do.
 */
export async function sourceClosure(entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [path.resolve(entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), (m[1] ?? m[2])!);
      if (existsSync(target)) queue.push(target);
    }
  }
  return [...seen].sort();
}

/** A sha256 over the closure's paths (relative to root) and contents. */
export async function sourceHash(entry: string, root: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of await sourceClosure(entry)) {
    hash
      .update(path.relative(root, file))
      .update("\0")
      .update(await readFile(file))
      .update("\0");
  }
  return hash.digest("hex");
}
