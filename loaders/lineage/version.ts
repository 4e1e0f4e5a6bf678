import { LabbookError, usageError } from "../errors.ts";
import { DATASET_NAME } from "../datasets/define.ts";

/** A version is the sha256 of the Parquet file's bytes, written "sha256:<64 hex>". */
export const VERSION = /^sha256:[0-9a-f]{64}$/;
const PREFIX = /^(?:sha256:)?[0-9a-f]{8,64}$/;

export const versionOf = (hex: string) => `sha256:${hex}`;
export const hexOf = (version: string) => version.replace(/^sha256:/, "");
/** The short form shown to people: the first 12 hex digits. */
export const shortVersion = (version: string) => hexOf(version).slice(0, 12);

export function assertDatasetName(name: string): void {
  if (!DATASET_NAME.test(name)) throw usageError(`invalid dataset name "${name}": expected ${DATASET_NAME}`);
}

/** Parses "dataset", "dataset@latest", "dataset@<prefix>" or "dataset@sha256:<hex>". */
export function parseRef(ref: string): { dataset: string; version: string | undefined } {
  const at = ref.indexOf("@");
  const dataset = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? undefined : ref.slice(at + 1);
  assertDatasetName(dataset);
  if (version !== undefined && version !== "latest" && !PREFIX.test(version)) {
    throw usageError(
      `invalid version "${version}" in "${ref}": expected latest, sha256:<hex> or at least 8 hex digits`,
    );
  }
  return { dataset, version: version === "latest" ? undefined : version };
}

/**
 * Resolves a version prefix among known versions (newest first). Undefined means the latest. Fails naming the
 * close matches when nothing or more than one version fits. Callers go through findVersion (lineage/catalog.ts),
 * which also says how to make a first version.
 */
export function resolveVersion(dataset: string, wanted: string | undefined, known: string[]): string {
  if (known.length === 0) throw new LabbookError(`no versions of ${dataset}`, { code: "E_NOT_FOUND" });
  if (wanted === undefined) return known[0]!;
  const hex = hexOf(wanted);
  const matches = known.filter((v) => hexOf(v).startsWith(hex));
  if (matches.length === 1) return matches[0]!;
  const close = matches.length > 1 ? matches : known.filter((v) => hexOf(v).startsWith(hex.slice(0, 2)));
  throw new LabbookError(
    matches.length > 1 ? `ambiguous version ${wanted} of ${dataset}` : `no version ${wanted} of ${dataset}`,
    {
      code: "E_NOT_FOUND",
      details: [close.length ? `Close matches: ${firstFive(close)}` : `Known: ${firstFive(known)}`],
    },
  );
}

/** Short forms of the first five versions, saying how many more there are. */
function firstFive(versions: string[]): string {
  const more = versions.length - 5;
  return versions.slice(0, 5).map(shortVersion).join(", ") + (more > 0 ? ` and ${more} more` : "");
}
