import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { pinSet, readPins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { readableFiles } from "../store/files.ts";
import { shortVersion } from "../store/version.ts";

export type Preparation =
  | { action: "ready" }
  | { action: "created"; seeded: boolean; versions: Record<string, string> }
  | { action: "pulled"; objects: number; bytes: number };

export interface PrepareOptions {
  log?: Logger;
  signal?: AbortSignal;
}

/**
 * Makes sure the chosen pin set exists and its objects are in the local store, so the site can build:
 * - no pins at all: ingest every source dataset (seeding the embedded database first if it is empty) and pin
 *   `default` (only for the default set: an experiment's set is never invented);
 * - pins whose objects are missing: pull them from LABBOOK_REMOTE, or fail naming them. Never re-ingest: the live
 *   database would give different bytes under a pinned name.
 */
export async function prepareSiteData(config: Config, options: PrepareOptions = {}): Promise<Preparation> {
  const log = options.log ?? silentLogger;
  const pins = await readPins(config.lineageDir);
  if (Object.keys(pins).length === 0 && config.pinSet === "default") {
    // Loaded only on a first build: the database, seed and ingest code stays out of every other build.
    const { createDefaultPins } = await import("./first-pins.ts");
    return createDefaultPins(config, log, options.signal);
  }
  const chosen = pinSet(pins, config.pinSet);
  // Each pinned object is checked against its version here, once, so no loader reads a corrupt one.
  const missing: { dataset: string; version: string }[] = [];
  for (const [dataset, version] of Object.entries(chosen))
    if (!(await readableFiles(config.dataDir, version, dataset))) missing.push({ dataset, version });
  if (missing.length === 0) return { action: "ready" };
  const names = missing.map((m) => `${m.dataset}@${shortVersion(m.version)}`).join(", ");
  if (!config.remote)
    throw new LabbookError(`pinned objects are missing from the local store: ${names}`, {
      code: "E_NOT_FOUND",
      details: [
        `Pin set "${config.pinSet}" names versions this machine does not have, and LABBOOK_REMOTE is not set.`,
        "Set LABBOOK_REMOTE to the remote they were pushed to and build again (or run `labbook pull`).",
        "The build never re-ingests a pinned dataset: the database would give different bytes under the same pin.",
      ],
    });
  log.info(`build: pulling ${missing.length} pinned object(s) from the remote: ${names}`);
  const { openRemote } = await import("../remote/index.ts");
  const { pull } = await import("../remote/pull.ts");
  const remote = openRemote(config);
  try {
    const result = await pull(config, remote, missing, { log, signal: options.signal });
    // Committed records are never fetched again; one that is fetched now is an untracked file in lineage/.
    if (result.records)
      log.warn(
        `build: pulled ${result.records} lineage record(s) this commit lacks into ${config.lineageDir}; commit them ` +
          "with pins.json (git add lineage), or builds of this commit elsewhere may differ",
      );
    return { action: "pulled", objects: result.pulled.length, bytes: result.bytes };
  } finally {
    remote.close();
  }
}
