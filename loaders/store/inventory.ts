import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { versionOf } from "../lineage/version.ts";

export interface StoredFile {
  /** The version its name claims; undefined for a file that is not named like an object. */
  version: string | undefined;
  path: string;
  /** A Parquet object (a version, or a partition of one), or the manifest of a partitioned version. */
  kind: "object" | "manifest";
}

/** Every file under data/objects, with the version its name claims. */
export async function listObjects(dataDir: string): Promise<StoredFile[]> {
  const root = path.join(dataDir, "objects");
  if (!existsSync(root)) return [];
  const out: StoredFile[] = [];
  for (const dir of (await readdir(root, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(root, dir.name);
    if (!dir.isDirectory()) {
      out.push({ version: undefined, path: full, kind: "object" });
      continue;
    }
    for (const name of (await readdir(full)).sort()) {
      const m = /^([0-9a-f]{64})\.(parquet|json)$/.exec(name);
      const ok = m && m[1]!.startsWith(dir.name) && /^[0-9a-f]{2}$/.test(dir.name);
      const kind = m?.[2] === "json" ? "manifest" : "object";
      out.push({ version: ok ? versionOf(m![1]!) : undefined, path: path.join(full, name), kind });
    }
  }
  return out;
}
