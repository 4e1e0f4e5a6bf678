import type { Config } from "../config.ts";
import type { DatasetDef } from "../datasets/define.ts";
import { getDataset } from "../datasets/index.ts";
import { isLabbookError } from "../errors.ts";
import { filtersOf, listVersions, type VersionEntry } from "../lineage/catalog.ts";
import { readableFiles } from "../store/files.ts";
import { readPins } from "../lineage/pins.ts";
import { shortVersion } from "../lineage/version.ts";
import type { ResolvedDataset, Unresolved } from "./check.ts";
import { isDriftCheck } from "./checks/index.ts";
import type { CheckContext } from "./run.ts";
import type { DriftAgainst } from "../datasets/check-spec.ts";

export interface StoreContextOptions {
  /** The checked version: staged (not yet in the catalog) or stored. */
  version: string;
  /** When it was made; for a stored version, read from its lineage record by default. */
  createdAt?: number;
  /** Dataset → version to read other datasets at (a pin set); the latest version without row filters otherwise. */
  pins?: Record<string, string>;
  /** Read only pinned versions of other datasets (a site build reads nothing it has not pinned). */
  onlyPinned?: boolean;
  /** The checked version's row filters ("since=…"), for a staged version; a stored one's come from its record. */
  filters?: string[];
  /**
   * What every drift check compares with, whatever its own `against` says (`labbook check --against`): a version of
   * this dataset, or why there is none. Without it, each check's `against` (default: the previous version).
   */
  against?: { version: string } | Unresolved;
  clock?: () => number;
}

/** When a version's run started, from its lineage record. */
export function createdAtOf(entry: VersionEntry): number {
  const run = entry.record.run.facets.labbook_run as { startedAt?: string } | undefined;
  return Date.parse(run?.startedAt ?? entry.createdAt);
}

/**
 * A check context over the local store: other datasets are read at their pinned version when a pin set is given and
 * pins them, else at their latest version made without row filters (--since, --user-id, …); the previous version is
 * the one made before the checked one.
 */
export async function storeContext(
  config: Config,
  def: DatasetDef,
  options: StoreContextOptions,
): Promise<CheckContext> {
  const own = await listVersions(config.lineageDir, def.name);
  const at = own.findIndex((e) => e.version === options.version);
  const before = at < 0 ? own[0] : own[at + 1];
  const createdAt = options.createdAt ?? (at >= 0 ? createdAtOf(own[at]!) : (options.clock ?? Date.now)());
  const filters = (at >= 0 ? filtersOf(own[at]!.parameters) : (options.filters ?? [])).join(" ");
  const stored = async (version: string, why: string): Promise<ResolvedDataset | Unresolved> => {
    const files = await readableFiles(config.dataDir, version, def.name);
    return files
      ? { def, version, files }
      : { skipped: `${why} ${def.name}@${shortVersion(version)} is not in the local store` };
  };
  return {
    version: options.version,
    createdAt,
    clock: options.clock,
    previous: before ? { version: before.version, fields: before.record.outputs[0]!.facets.schema.fields } : undefined,
    async baseline(against: DriftAgainst): Promise<ResolvedDataset | Unresolved | undefined> {
      if (options.against)
        return "skipped" in options.against ? options.against : stored(options.against.version, "the compared version");
      const found = await comparedVersion(config, def, own, at, filters, against);
      return found && "version" in found ? stored(found.version, found.why) : found;
    },
    async resolve(dataset): Promise<ResolvedDataset | Unresolved | undefined> {
      const other = getDataset(dataset);
      let version = options.pins?.[dataset];
      if (!version && !options.onlyPinned) {
        // A filtered version holds some of the rows: checking against it would report the rest as missing.
        const all = await listVersions(config.lineageDir, dataset);
        version = all.find((e) => filtersOf(e.parameters).length === 0)?.version;
        if (!version && all[0])
          return {
            skipped:
              `only filtered versions of ${dataset} in the local store (newest ${shortVersion(all[0].version)}: ` +
              `${filtersOf(all[0].parameters).join(" ")}); ingest it without filters to check against it`,
          };
      }
      if (!version) return undefined;
      const files = await readableFiles(config.dataDir, version, dataset);
      return files ? { def: other, version, files } : undefined;
    },
  };
}

/**
 * The version a drift check compares with: for "previous", the latest version made before the checked one with the
 * same row filters (a version with other filters holds other rows, and comparing would report the filter); else the
 * version the named pin set pins. Undefined when the checked version is the first.
 */
async function comparedVersion(
  config: Config,
  def: DatasetDef,
  own: VersionEntry[],
  at: number,
  filters: string,
  against: DriftAgainst,
): Promise<{ version: string; why: string } | Unresolved | undefined> {
  if (against === "previous") {
    const earlier = at < 0 ? own : own.slice(at + 1);
    const same = earlier.find((e) => filtersOf(e.parameters).join(" ") === filters);
    if (same) return { version: same.version, why: "the previous version" };
    return earlier[0]
      ? { skipped: `no earlier version of ${def.name} made with the same row filters (${filters || "none"})` }
      : undefined;
  }
  let version: string | undefined;
  try {
    version = (await readPins(config.lineageDir))[against.pins]?.[def.name];
  } catch (e) {
    if (!isLabbookError(e)) throw e;
    return { skipped: `pins unreadable: ${e.message}` };
  }
  return version
    ? { version, why: `the version pin set "${against.pins}" pins,` }
    : { skipped: `pin set "${against.pins}" does not pin ${def.name}` };
}

/**
 * The versions the drift checks of the pinned versions compare with, as a site build needs them: the build pulls
 * those that are missing, so a clone building from the remote shows the same comparisons as the one that ingested.
 */
export async function comparedVersions(
  config: Config,
  pins: Record<string, string>,
): Promise<{ dataset: string; version: string }[]> {
  const out = new Map<string, { dataset: string; version: string }>();
  for (const [dataset, version] of Object.entries(pins)) {
    const def = getDataset(dataset);
    const drift = (def.checks ?? []).filter((c) => isDriftCheck(c.type));
    if (!drift.length) continue;
    const own = await listVersions(config.lineageDir, dataset);
    const at = own.findIndex((e) => e.version === version);
    if (at < 0) continue;
    const filters = filtersOf(own[at]!.parameters).join(" ");
    for (const check of drift) {
      const against = (check as { against?: DriftAgainst }).against ?? "previous";
      const found = await comparedVersion(config, def, own, at, filters, against);
      if (found && "version" in found) out.set(`${dataset}@${found.version}`, { dataset, version: found.version });
    }
  }
  return [...out.values()];
}
