import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { pinSet, readPins, type Pins } from "../lineage/pins.ts";
import { shortVersion } from "../lineage/version.ts";
import { quoteIdent } from "../sql-quote.ts";
import { readableFiles } from "./files.ts";

/**
 * The one way to open pinned data: the CLI (sql, export, analyze, sync-duckdb, archive), the site's build and its
 * loaders all resolve a pin set to local files here, so each refuses a set that lacks a dataset, and a missing or
 * corrupt object, in the same words.
 */

/** A pinned version ready to read. */
export interface PinnedDataset {
  dataset: string;
  version: string;
  /**
   * The files that hold the version's rows, checked against its hash: its one Parquet object, or a partitioned
   * version's partition objects. Read them with `parquet(files)`.
   */
  files: string[];
}

/** A pinned version the local store lacks. */
export interface PinnedRef {
  dataset: string;
  version: string;
}

export interface OpenPinnedOptions {
  /** The pin set (default `config.pinSet`, from LABBOOK_PINS). */
  set?: string;
  /** pins.json as the caller has read it already (default: read from the lineage directory). */
  pins?: Pins;
  /** The datasets to open, each of which the set must pin; "all" (the default) opens every dataset the set pins. */
  reads?: readonly string[] | "all";
  /**
   * Who reads, for the error when the set lacks a dataset: a loader's file, or a command ("labbook analyze"). Without
   * it the error names only the set and the datasets.
   */
  reader?: string;
  /** The reader's other way out when the set lacks a dataset, after "Pin it with …": "or build another set …". */
  otherwise?: string;
  /**
   * Brings versions the local store lacks into it, e.g. from LABBOOK_REMOTE (remote/pull.ts). Without it a missing
   * object is refused. What it brings is checked against its version like any other object.
   */
  fetch?: (missing: PinnedRef[]) => Promise<void>;
  /** What to do about missing objects, for the error that refuses them (default: run `labbook pull`). */
  missingDetails?: string[];
}

export interface PinnedData {
  set: string;
  /** Every pin of the set, dataset → version, the datasets not opened included. */
  pins: Record<string, string>;
  /** The datasets opened, in `reads` order (by name for "all"), each checked to hold its version's bytes. */
  objects: PinnedDataset[];
}

const PULL = "Run `labbook pull` with LABBOOK_REMOTE set to fetch them.";

/**
 * Resolves a pin set to the checked local files of the datasets it is asked for. Fails with E_NOT_FOUND naming the
 * datasets the set does not pin, or every pinned object missing from the local store (after `fetch`, if given), and
 * with E_INTEGRITY naming a corrupt object, which is never read.
 */
export async function openPinned(
  config: Pick<Config, "dataDir" | "lineageDir" | "pinSet">,
  options: OpenPinnedOptions = {},
): Promise<PinnedData> {
  const set = options.set ?? config.pinSet;
  const all = options.pins ?? (await readPins(config.lineageDir));
  const pins = pinSet(all, set);
  const reads = options.reads === undefined || options.reads === "all" ? Object.keys(pins).sort() : options.reads;
  assertPinned(options.reader, reads, set, all, options.otherwise);
  const wanted = reads.map((dataset) => ({ dataset, version: pins[dataset]! }));
  let found = await resolve(config.dataDir, wanted);
  let missing = wanted.filter((w) => !found.has(w.dataset));
  if (missing.length && options.fetch) {
    await options.fetch(missing);
    found = new Map([...found, ...(await resolve(config.dataDir, missing))]);
    missing = wanted.filter((w) => !found.has(w.dataset));
  }
  if (missing.length)
    throw new LabbookError(
      `pinned objects are missing from the local store: ${missing.map((m) => `${m.dataset}@${shortVersion(m.version)}`).join(", ")}`,
      { code: "E_NOT_FOUND", details: options.missingDetails ?? [PULL] },
    );
  return { set, pins, objects: wanted.map((w) => found.get(w.dataset)!) };
}

/** The versions that are in the local store, checked against their hashes (E_INTEGRITY for a corrupt one). */
async function resolve(dataDir: string, wanted: PinnedRef[]): Promise<Map<string, PinnedDataset>> {
  const out = new Map<string, PinnedDataset>();
  for (const { dataset, version } of wanted) {
    const files = await readableFiles(dataDir, version, dataset);
    if (files) out.set(dataset, { dataset, version, files });
  }
  return out;
}

/**
 * Fails naming the reader, the datasets and the pin set when the set does not pin what the reader reads (the build
 * checks every loader with it before Framework runs).
 */
export function assertPinned(
  reader: string | undefined,
  reads: readonly string[],
  set: string,
  pins: Pins,
  otherwise?: string,
): void {
  const pinned = pins[set] ?? {};
  const missing = reads.filter((d) => !pinned[d]);
  if (missing.length)
    throw new LabbookError(
      reader
        ? `${reader} reads ${missing.join(", ")}, which pin set "${set}" does not pin`
        : `pin set "${set}" does not pin ${missing.join(", ")}`,
      {
        code: "E_NOT_FOUND",
        details: [
          `Pinned in "${set}": ${Object.keys(pinned).sort().join(", ") || "nothing"}.`,
          `Pin ${missing.length > 1 ? "them" : "it"} with "labbook pin ${set} ${missing.length > 1 ? "<dataset>" : missing[0]}"` +
            `${otherwise ? `, ${otherwise}` : ""}.`,
        ],
      },
    );
}

/** Opens the pinned datasets (see openPinned) and creates one DuckDB view per dataset, named after it. */
export async function attachPinned(
  con: DuckDBConnection,
  config: Pick<Config, "dataDir" | "lineageDir" | "pinSet">,
  options: OpenPinnedOptions = {},
): Promise<PinnedData> {
  // Imported here: the site's loaders open pinned data through this module, and those that never query load no DuckDB.
  const { parquet } = await import("../duckdb.ts");
  const opened = await openPinned(config, options);
  for (const o of opened.objects)
    await con.run(`CREATE OR REPLACE VIEW ${quoteIdent(o.dataset)} AS SELECT * FROM ${parquet(o.files)}`);
  return opened;
}
