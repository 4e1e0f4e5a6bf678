import type { Readable } from "node:stream";
import { hexOf } from "../lineage/version.ts";

/**
 * Where objects are pushed to and pulled from. Keys mirror the store: objects/<2 hex>/<hex>.parquet and
 * lineage/<dataset>/<hex>.json, so a directory remote can be read like a store.
 */
export interface Remote {
  /** The location for messages, without credentials. */
  readonly url: string;
  /** Keys under a prefix (e.g. "objects/"), with their sizes. */
  list(prefix: string, signal?: AbortSignal): Promise<Map<string, number>>;
  /**
   * Streams `body` (of `size` bytes) to `key`. The bytes become visible at `key` complete or not at all, and only
   * after `check` resolves: a check that throws discards them. Re-running after an interruption is safe.
   */
  upload(key: string, body: Readable, size: number, check: () => void, signal?: AbortSignal): Promise<void>;
  /** The bytes at `key`; fails with E_NOT_FOUND when there are none. */
  download(key: string, signal?: AbortSignal): Promise<Readable>;
  close(): void;
}

export const objectKey = (version: string) => {
  const hex = hexOf(version);
  return `objects/${hex.slice(0, 2)}/${hex}.parquet`;
};

/** The manifest of a partitioned version: objects/<2 hex>/<hex>.json, beside the objects it names. */
export const manifestKey = (version: string) => {
  const hex = hexOf(version);
  return `objects/${hex.slice(0, 2)}/${hex}.json`;
};

export const recordKey = (dataset: string, version: string) => `lineage/${dataset}/${hexOf(version)}.json`;
