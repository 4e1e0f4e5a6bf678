import { isLabbookError, LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { mapLimit } from "../pool.ts";

export interface TransferOptions {
  log?: Logger;
  /** Once it aborts no new transfer starts; the call rejects after those in flight settle. */
  signal?: AbortSignal;
  /** Transfers in flight at once (default 4). */
  concurrency?: number;
}

/** One version of one dataset, as push and pull are asked for them. */
export interface Wanted {
  dataset: string;
  version: string;
}

/** Runs `work` the first time `key` is asked for, and hands every later caller that same promise. */
export type Once = <R>(key: string, work: () => Promise<R>) => Promise<R>;

export interface Failure<T> {
  item: T;
  error: unknown;
}

export interface TransferLoop<T> extends TransferOptions {
  /** The transient progress line after `done` of `total` items have settled, succeeded or failed. */
  progress?: (done: number, total: number) => string;
  /** Moves one item. Work that items share (an object two datasets pin) goes through `once`. */
  each: (item: T, once: Once) => Promise<void>;
}

/**
 * Moves `items`, at most `concurrency` at once, and collects the failures instead of stopping at the first: the other
 * items still move. Work shared through `once` runs a single time, even when two items ask for it at the same moment,
 * and a failure of it fails every item that needed it, with the same error. Returns the failures in item order.
 */
export async function transferAll<T>(items: readonly T[], loop: TransferLoop<T>): Promise<Failure<T>[]> {
  const log = loop.log ?? silentLogger;
  const started = new Map<string, Promise<unknown>>();
  const once: Once = <R>(key: string, work: () => Promise<R>) => {
    if (!started.has(key)) started.set(key, work());
    return started.get(key) as Promise<R>;
  };
  const failed: (Failure<T> | undefined)[] = [];
  let done = 0;
  await mapLimit(
    items,
    loop.concurrency ?? 4,
    async (item, i) => {
      try {
        await loop.each(item, once);
      } catch (error) {
        // An interrupted transfer is not a failure to report: mapLimit starts nothing more and rethrows it.
        if (loop.signal?.aborted) throw error;
        failed[i] = { item, error };
      }
      if (loop.progress) log.progress(loop.progress(++done, items.length));
    },
    loop.signal,
  );
  return failed.filter((f) => f !== undefined);
}

/**
 * The one error a transfer with failures throws: each failed item named with its error, the corrupt ones (E_INTEGRITY)
 * first, then `hint`. Its code is E_INTEGRITY when anything was corrupt, else E_REMOTE. `message` is told how many
 * distinct corrupt objects or records there were (an object two items share counts once) and how many items failed.
 */
export function transferError<T>(
  failures: readonly Failure<T>[],
  options: { name: (item: T) => string; message: (corrupt: number, failed: number) => string; hint: string },
): LabbookError {
  const corrupt = failures.filter((f) => isLabbookError(f.error, "E_INTEGRITY"));
  const other = failures.filter((f) => !corrupt.includes(f));
  const line = (f: Failure<T>) => `${options.name(f.item)}: ${(f.error as Error)?.message ?? String(f.error)}`;
  return new LabbookError(options.message(new Set(corrupt.map((f) => f.error)).size, failures.length), {
    code: corrupt.length ? "E_INTEGRITY" : "E_REMOTE",
    details: [...corrupt.map(line), ...other.map(line), options.hint],
  });
}
