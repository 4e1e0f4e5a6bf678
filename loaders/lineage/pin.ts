import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { withLock } from "../lock.ts";
import { assertDatasetName } from "./version.ts";
import { findVersion, listDatasets, listVersions } from "./catalog.ts";
import { assertPinSet, readPins, writePins, type Pins } from "./pins.ts";

export interface PinChange {
  set: string;
  dataset: string;
  /** The new version; null when the pin was removed. */
  version: string | null;
  /** The version pinned before; null when there was none. */
  previous: string | null;
}

/** What to pin: explicit "dataset[@version]" requests, or the latest of every dataset with versions. */
export type PinRequest = { dataset: string; version: string | undefined }[] | "all";

/**
 * Pins versions in a set and writes pins.json. Each version must have a lineage record; an unknown prefix fails
 * naming the close matches. Runs under the store lock so concurrent pins and a gc see a consistent file.
 */
export async function pin(
  config: Config,
  set: string,
  request: PinRequest,
  signal?: AbortSignal,
): Promise<PinChange[]> {
  assertPinSet(set);
  const wanted = request === "all" ? await latestOfEach(config.lineageDir) : request;
  if (wanted.length === 0)
    throw new LabbookError("nothing to pin: no dataset has a version yet", {
      code: "E_NOT_FOUND",
      details: ['Run "labbook ingest --all" first, or "labbook pull".'],
    });
  // Resolve before taking the lock: a bad request fails without touching pins.json.
  const resolved = await Promise.all(
    wanted.map(async (w) => {
      assertDatasetName(w.dataset);
      return { dataset: w.dataset, version: (await findVersion(config.lineageDir, w.dataset, w.version)).version };
    }),
  );
  return withLock(
    config,
    async () => {
      const pins = await readPins(config.lineageDir);
      const target = { ...pins[set] };
      const changes = resolved.map(({ dataset, version }) => {
        const previous = target[dataset] ?? null;
        target[dataset] = version;
        return { set, dataset, version, previous };
      });
      await writePins(config.lineageDir, { ...pins, [set]: target });
      config.onCommit?.(`pin set "${set}" in lineage/pins.json`);
      return changes;
    },
    signal,
  );
}

/** Removes one dataset's pin from a set, or the whole set when no dataset is named. */
export async function unpin(
  config: Config,
  set: string,
  datasets: string[],
  signal?: AbortSignal,
): Promise<PinChange[]> {
  assertPinSet(set);
  datasets.forEach(assertDatasetName);
  return withLock(
    config,
    async () => {
      const pins: Pins = await readPins(config.lineageDir);
      const current = pins[set];
      if (!current) throw new LabbookError(`no pin set "${set}" in lineage/pins.json`, { code: "E_NOT_FOUND" });
      const names = datasets.length ? datasets : Object.keys(current);
      const absent = names.filter((d) => !(d in current));
      if (absent.length)
        throw new LabbookError(`pin set "${set}" does not pin ${absent.join(", ")}`, {
          code: "E_NOT_FOUND",
          details: [`It pins: ${Object.keys(current).join(", ") || "nothing"}.`],
        });
      const rest = { ...current };
      const changes = names.map((dataset) => {
        const previous = rest[dataset]!;
        delete rest[dataset];
        return { set, dataset, version: null, previous };
      });
      await writePins(config.lineageDir, { ...pins, [set]: rest });
      config.onCommit?.(`pin set "${set}" in lineage/pins.json`);
      return changes;
    },
    signal,
  );
}

async function latestOfEach(lineageDir: string): Promise<{ dataset: string; version: string }[]> {
  const out: { dataset: string; version: string }[] = [];
  for (const dataset of await listDatasets(lineageDir)) {
    const [latest] = await listVersions(lineageDir, dataset);
    if (latest) out.push({ dataset, version: latest.version });
  }
  return out;
}
