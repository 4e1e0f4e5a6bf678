import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.ts";
import { pseudonymizer, pseudonymKey } from "../pseudonym.ts";
import { assertDatasetName, hexOf } from "./version.ts";

/**
 * A run's parameters that identify a person stay out of the committed lineage record. The record holds a keyed
 * pseudonym (the same HMAC as the published pages), and the raw values, which re-running needs, are kept in local
 * state under data/, which is never committed.
 */
export interface RecordedFilters {
  /** The filters as the record shows them: `userId` as its pseudonym. */
  filters: Record<string, unknown>;
  /** The bound parameters as the record shows them, pseudonymized alike. */
  bound: Record<string, string>;
  /** The raw values to keep locally, or undefined when nothing was replaced. */
  local: Record<string, unknown> | undefined;
}

/** Replaces the user id of an ingest's filters and bound parameters with its pseudonym. */
export async function recordedFilters(
  config: Config,
  filters: { userId?: string },
  bound: Record<string, string>,
): Promise<RecordedFilters> {
  if (filters.userId === undefined) return { filters, bound, local: undefined };
  const pseudonym = pseudonymizer(await pseudonymKey(config))(filters.userId);
  return {
    filters: { ...filters, userId: pseudonym },
    bound: Object.fromEntries(Object.entries(bound).map(([k, v]) => [k, v === filters.userId ? pseudonym : v])),
    local: { filters: { userId: filters.userId } },
  };
}

/** data/lineage-private/<dataset>/<hex>.json: beside the store, out of git. */
export function privateParametersPath(config: Config, dataset: string, version: string): string {
  assertDatasetName(dataset);
  return path.join(config.dataDir, "lineage-private", dataset, `${hexOf(version)}.json`);
}

/** Keeps a version's raw parameters locally (temp file renamed into place, readable by the owner only). */
export async function writePrivateParameters(
  config: Config,
  dataset: string,
  version: string,
  values: Record<string, unknown>,
): Promise<void> {
  const file = privateParametersPath(config, dataset, version);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A version's raw parameters kept on this machine, or undefined when it has none (another clone made it). */
export async function readPrivateParameters(
  config: Config,
  dataset: string,
  version: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(privateParametersPath(config, dataset, version), "utf8")) as Record<
      string,
      unknown
    >;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
