import { existsSync } from "node:fs";
import { usageError } from "../../errors.ts";
import { pin } from "../../lineage/pin.ts";
import { objectPath } from "../../store/objects.ts";
import { parseRef, shortVersion } from "../../store/version.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "pin",
  usage: "<set> <dataset>[@version]... | <set> --all",
  description:
    "Pin dataset versions in a named pin set of lineage/pins.json (stable-sorted; commit it).\n" +
    "A version is a unique prefix of at least 8 hex digits, sha256:<hex> or latest (the default).",
  options: { all: { type: "boolean", description: "Pin the latest version of every dataset that has versions" } },
  examples: [
    "labbook pin default behavioral_events",
    "labbook pin exp-2025-07 behavioral_events@3f2a9c1d phase_assignments@latest",
    "labbook pin exp-2025-07 --all --json",
  ],
  async run(ctx) {
    const [set, ...refs] = ctx.positionals;
    if (!set) throw usageError("labbook pin: name a pin set, then datasets or --all");
    if (ctx.values.all && refs.length) throw usageError("labbook pin: give datasets or --all, not both");
    if (!ctx.values.all && refs.length === 0) throw usageError("labbook pin: name at least one dataset, or pass --all");
    const changes = await pin(ctx.config, set, ctx.values.all ? "all" : refs.map(parseRef), ctx.signal);
    // A pin may name a version this store does not hold (gc removed it, or it was never pulled): allowed, but said.
    for (const c of changes.filter((c) => !existsSync(objectPath(ctx.config.dataDir, c.version!))))
      ctx.log.warn(
        `${c.dataset}@${shortVersion(c.version!)} is not in the local store (removed by gc, or never pulled): ` +
          `builds from "${set}" fail until "labbook pull --pins ${set}" fetches it`,
      );
    if (ctx.json) return printJson(ctx, { set, changes });
    for (const c of changes) {
      const was = c.previous && c.previous !== c.version ? ` (was ${shortVersion(c.previous)})` : "";
      const same = c.previous === c.version ? " (unchanged)" : "";
      ctx.out(`pinned ${set}: ${c.dataset}@${shortVersion(c.version!)}${was}${same}`);
    }
  },
});
