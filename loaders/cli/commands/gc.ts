import { usageError } from "../../errors.ts";
import { collectGarbage } from "../../store/gc.ts";
import { shortVersion } from "../../lineage/version.ts";
import { intOption } from "../args.ts";
import { formatBytes } from "../units.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "gc",
  usage: "[--dry-run] [--keep-last N] [--allow-shallow]",
  description:
    "Delete objects that nothing needs. An object is kept when lineage/pins.json pins it in the working tree, when\n" +
    "any commit reachable from a branch or tag pinned it, when it is among the newest N versions of its dataset, or\n" +
    "when no lineage record here describes it. Lineage records stay; removed versions are listed in data/gc.json.\n" +
    "If any reachable commit's pins cannot be read (a pins.json that does not parse, a missing git object, a shallow\n" +
    "clone) it refuses and removes nothing. Outside a git repository only the working tree's pins protect.\n" +
    "It also removes the temp files that killed labbook processes left (staging files in data/tmp, *.<pid>.tmp,\n" +
    ".dist.tmp-* beside dist/): only those whose process is gone.",
  options: {
    "dry-run": { type: "boolean", description: "Only print what would be removed" },
    "keep-last": {
      type: "string",
      valueName: "N",
      description: "Keep the newest N versions of every dataset (default 1)",
    },
    "allow-shallow": {
      type: "boolean",
      description: "In a shallow clone, protect only the pins in the history present instead of refusing",
    },
  },
  examples: ["labbook gc --dry-run", "labbook gc --keep-last 3", "labbook gc --keep-last 0 --json"],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook gc: takes no arguments");
    const dryRun = ctx.values["dry-run"] === true;
    const result = await collectGarbage(ctx.config, {
      dryRun,
      keepLast: intOption(ctx.values, "keep-last", 1, 0),
      allowShallow: ctx.values["allow-shallow"] === true,
      log: ctx.log,
      signal: ctx.signal,
    });
    if (ctx.json) return printJson(ctx, result);
    const verb = dryRun ? "would remove" : "removed";
    for (const r of result.removed) ctx.out(`${verb} ${r.dataset}@${shortVersion(r.version)}  ${formatBytes(r.size)}`);
    for (const d of result.debris) ctx.out(`${verb} ${d.path}  (left by process ${d.pid}, which is gone)`);
    for (const p of result.unrecorded) ctx.log.warn(`kept ${p}: no lineage record describes it`);
    const h = result.history;
    ctx.log.info(
      `${verb} ${result.removed.length} objects, ${formatBytes(result.bytesFreed)} ${dryRun ? "would be freed" : "freed"}; ` +
        `kept ${result.kept}` +
        (h ? ` (pins checked in ${h.commits} commits on ${h.refs} branches and tags)` : ""),
    );
  },
});
