import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * `mkdir -p` that fails instead of spinning. Node's `mkdir(dir, { recursive: true })` loops for ever when the file
 * system answers ENOENT for a directory whose parent exists (`/proc/x`), and the command then ignores Ctrl-C, so
 * each missing directory is made here one at a time, from the deepest one that exists.
 */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const found = await stat(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (found) {
      if (!found.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: "ENOTDIR", path: at });
      break;
    }
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const at of missing.reverse()) {
    await mkdir(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
  }
}
