import { existsSync } from "node:fs";
import { objectPath } from "../store/objects.ts";

/**
 * The local Parquet files that hold a version, or undefined when the store lacks them (offloaded, collected, or never
 * pulled). A version is one object today; when a version may be several partition objects, this is the one place
 * that learns it.
 */
export function versionFiles(dataDir: string, version: string): string[] | undefined {
  const file = objectPath(dataDir, version);
  return existsSync(file) ? [file] : undefined;
}
