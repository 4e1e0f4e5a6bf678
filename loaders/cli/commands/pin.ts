import { LabbookError, usageError } from "../../errors.ts";
import { findVersion, listDatasets, listVersions } from "../../lineage/catalog.ts";
import { pin } from "../../lineage/pin.ts";
import { describeFailure, recordedFailures } from "../../quality/gate.ts";
import { isLocal } from "../../store/files.ts";
import { parseRef, shortVersion } from "../../lineage/version.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "pin",
  usage: "<set> <dataset>[@version]... | <set> --all [--strict]",
  description:
    "Pin dataset versions in a named pin set of lineage/pins.json (stable-sorted; commit it).\n" +
    "A version is a unique prefix of at least 8 hex digits, sha256:<hex> or latest (the default).\n" +
    "Warns when a version has a failing error-severity check (as its ingest, run or latest labbook check recorded\n" +
    "it): labbook build refuses such a pin set. With --strict it refuses to pin it (exit 1) and changes nothing.",
  options: {
    all: { type: "boolean", description: "Pin the latest version of every dataset that has versions" },
    strict: { type: "boolean", description: "Refuse to pin a version that has a failing error check" },
  },
  examples: [
    "labbook pin default behavioral_events",
    "labbook pin exp-2025-07 behavioral_events@3f2a9c1d phase_assignments@latest",
    "labbook pin exp-2025-07 --all --json",
    "labbook pin exp-2025-07 behavioral_events --strict",
  ],
  async run(ctx) {
    const [set, ...refs] = ctx.positionals;
    if (!set) throw usageError("labbook pin: name a pin set, then datasets or --all");
    if (ctx.values.all && refs.length) throw usageError("labbook pin: give datasets or --all, not both");
    if (!ctx.values.all && refs.length === 0) throw usageError("labbook pin: name at least one dataset, or pass --all");
    const wanted = ctx.values.all ? await latestOfEach(ctx.config.lineageDir) : refs.map(parseRef);
    // Resolved first, so that --strict refuses before pins.json is touched.
    const resolved = await Promise.all(
      wanted.map(async (w) => ({
        dataset: w.dataset,
        version: (await findVersion(ctx.config.lineageDir, w.dataset, w.version)).version,
      })),
    );
    const failures = await recordedFailures(ctx.config, resolved);
    if (failures.length && ctx.values.strict)
      throw new LabbookError(`refusing to pin failing versions: ${failures.map(describeFailure).join(", ")}`, {
        code: "E_QUALITY",
        details: [`"labbook check <dataset>@<version>" shows the failing rows. Nothing was pinned.`],
      });
    for (const f of failures)
      ctx.log.warn(
        `${describeFailure(f)}: "labbook build" refuses pin set "${set}" until it pins a passing version ` +
          "(or builds with --allow-failing-checks)",
      );
    const changes = await pin(ctx.config, set, ctx.values.all ? "all" : resolved, ctx.signal);
    // A pin may name a version this store does not hold (gc removed it, or it was never pulled): allowed, but said.
    const absent = [];
    for (const c of changes) if (!(await isLocal(ctx.config.dataDir, c.version!))) absent.push(c);
    for (const c of absent)
      ctx.log.warn(
        `${c.dataset}@${shortVersion(c.version!)} is not in the local store (removed by gc, or never pulled): ` +
          `builds from "${set}" fail until "labbook pull --pins ${set}" fetches it`,
      );
    if (ctx.json) return printJson(ctx, { set, changes, failingChecks: failures });
    for (const c of changes) {
      const was = c.previous && c.previous !== c.version ? ` (was ${shortVersion(c.previous)})` : "";
      const same = c.previous === c.version ? " (unchanged)" : "";
      ctx.out(`pinned ${set}: ${c.dataset}@${shortVersion(c.version!)}${was}${same}`);
    }
  },
});

async function latestOfEach(lineageDir: string): Promise<{ dataset: string; version: string | undefined }[]> {
  const out: { dataset: string; version: string | undefined }[] = [];
  for (const dataset of await listDatasets(lineageDir))
    if ((await listVersions(lineageDir, dataset)).length) out.push({ dataset, version: undefined });
  return out;
}
