import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Every file and directory under `dir`, as sorted relative paths (directories end in "/"); [] when it is absent,
 * also when it goes away while being read (a build renames its temp directory into place while a test polls it).
 */
export async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  for (const entry of entries) {
    const rel = path.relative(dir, path.join(entry.parentPath, entry.name));
    out.push(entry.isDirectory() ? `${rel}/` : rel);
  }
  return out.sort();
}

/** Files (not directories) under `dir` with their sizes, for comparing a store before and after. */
export async function snapshot(dir: string): Promise<Record<string, number>> {
  const files = (await listTree(dir)).filter((f) => !f.endsWith("/"));
  const sizes = await Promise.all(files.map(async (f) => (await stat(path.join(dir, f))).size));
  return Object.fromEntries(files.map((f, i) => [f, sizes[i]!]));
}
