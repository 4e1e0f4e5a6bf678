import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: where package.json, data/ and lineage/ live. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface Config {
  root: string;
  /** Object store and local state (gitignored). */
  dataDir: string;
  /** Lineage records and pins.json (committed). */
  lineageDir: string;
  databaseUrl: string | undefined;
  remote: string | undefined;
  duckdbPath: string;
  pinSet: string;
  /**
   * Told of each change committed to the store (a version and its record, pins.json, objects gc removed), in words
   * such as "sessions@3f2a9c1d". The CLI uses it to say what an interrupted command had already committed.
   */
  onCommit?: (what: string) => void;
}

let envLoaded = false;

/** Reads `.env` at the root once; variables already in the environment win. */
export function loadDotEnv(root = projectRoot): void {
  if (envLoaded) return;
  envLoaded = true;
  const file = path.join(root, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, root = env.LABBOOK_ROOT ?? projectRoot): Config {
  const dataDir = path.resolve(root, env.LABBOOK_DATA_DIR ?? "data");
  return {
    root,
    dataDir,
    lineageDir: path.resolve(root, env.LABBOOK_LINEAGE_DIR ?? "lineage"),
    databaseUrl: env.DATABASE_URL || undefined,
    remote: env.LABBOOK_REMOTE || undefined,
    duckdbPath: path.resolve(root, env.DUCKDB_DB_PATH ?? path.join(dataDir, "duckdb", "analytics.duckdb")),
    pinSet: env.LABBOOK_PINS || "default",
  };
}
