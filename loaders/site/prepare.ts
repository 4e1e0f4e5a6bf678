import type { Config } from "../config.ts";
import { readPins } from "../lineage/pins.ts";
import { shortVersion } from "../lineage/version.ts";
import { silentLogger, type Logger } from "../log.ts";
import { readableFiles } from "../store/files.ts";
import { openPinned, type PinnedRef } from "../store/pinned.ts";
import type { Remote } from "../store/remote.ts";
import type { Preparation } from "./preparation.ts";

export type { Preparation };

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
  let remote: Remote | undefined;
  const pullVersions = async (wanted: PinnedRef[]) => {
    // Loaded only when something is missing: a build with every object local needs no remote code.
    const { openRemote } = await import("../remote/index.ts");
    const { pull } = await import("../remote/pull.ts");
    remote ??= openRemote(config);
    return pull(config, remote, wanted, { log, signal: options.signal });
  };
  let [objects, bytes, pulledPinned] = [0, 0, false];
  // Committed records are never fetched again; one that is fetched now is an untracked file in lineage/.
  const warnUntracked = (records: number) => {
    if (records)
      log.warn(
        `build: pulled ${records} lineage record(s) this commit lacks into ${config.lineageDir}; commit them ` +
          "with pins.json (git add lineage), or builds of this commit elsewhere may differ",
      );
  };
  const pullPinned = async (missing: PinnedRef[]) => {
    log.info(`build: pulling ${missing.length} pinned object(s) from the remote: ${names(missing)}`);
    // Two datasets can pin one object: pull fetches and counts it once, and fetches each dataset's lineage record.
    const result = await pullVersions(missing);
    [objects, bytes] = [objects + result.pulled.length, bytes + result.bytes];
    warnUntracked(result.records);
    pulledPinned = true;
  };
  try {
    // Each pinned object is checked against its version here, once, so no loader reads a corrupt one.
    const { pins: chosen } = await openPinned(config, {
      pins,
      fetch: config.remote ? pullPinned : undefined,
      missingDetails: [
        `Pin set "${config.pinSet}" names versions this machine does not have, and LABBOOK_REMOTE is not set.`,
        "Set LABBOOK_REMOTE to the remote they were pushed to and build again (or run `labbook pull`).",
        "The build never re-ingests a pinned dataset: the database would give different bytes under the same pin.",
      ],
    });
    // The versions the pinned versions' drift checks compare with: pulled too, where the remote has them, so a clone
    // that builds from the remote shows the comparisons the clone that ingested shows. Without them the quality page
    // says the compared version is not in the local store.
    // Looked for only when there is a remote to pull them from: hashing them on every local build would be wasted.
    const compared: PinnedRef[] = [];
    if (config.remote) {
      const { comparedVersions } = await import("../quality/context.ts");
      for (const c of await comparedVersions(config, chosen))
        if (!(await readableFiles(config.dataDir, c.version, c.dataset))) compared.push(c);
    }
    if (compared.length) {
      const which = names(compared);
      log.info(`build: pulling ${compared.length} version(s) the drift checks compare with: ${which}`);
      try {
        const result = await pullVersions(compared);
        [objects, bytes] = [objects + result.pulled.length, bytes + result.bytes];
        warnUntracked(result.records);
      } catch (e) {
        if (options.signal?.aborted) throw e;
        // Optional: the quality page names what it could not compare with.
        log.warn(
          `build: could not pull the version(s) the drift checks compare with (${which}); the quality page will say ` +
            `they are not in the local store: ${(e as Error).message}`,
        );
      }
    }
    return objects || pulledPinned ? { action: "pulled", objects, bytes } : { action: "ready" };
  } finally {
    remote?.close();
  }
}

const names = (versions: PinnedRef[]) => versions.map((m) => `${m.dataset}@${shortVersion(m.version)}`).join(", ");
