import { usageError } from "../../errors.ts";
import { unpin } from "../../lineage/pin.ts";
import { shortVersion } from "../../lineage/version.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "unpin",
  usage: "<set> [dataset...]",
  description: "Remove pins from lineage/pins.json: the named datasets, or the whole set when none is named.",
  examples: ["labbook unpin exp-2025-07 behavioral_events", "labbook unpin exp-2025-07"],
  async run(ctx) {
    const [set, ...names] = ctx.positionals;
    if (!set) throw usageError("labbook unpin: name a pin set");
    const changes = await unpin(ctx.config, set, names, ctx.signal);
    if (ctx.json) return printJson(ctx, { set, changes });
    for (const c of changes) ctx.out(`unpinned ${set}: ${c.dataset} (was ${shortVersion(c.previous!)})`);
  },
});
