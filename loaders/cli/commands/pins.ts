import { usageError } from "../../errors.ts";
import { readPins, readPinsAtRev } from "../../lineage/pins.ts";
import { shortVersion } from "../../lineage/version.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "pins",
  usage: "[--rev REV]",
  description:
    "List the pin sets of lineage/pins.json: from the working tree, or as committed at a git revision\n" +
    "(a commit, tag or branch, read through isomorphic-git). --json prints the file's object as is.",
  options: { rev: { type: "string", valueName: "REV", description: "Read pins.json as it was at this revision" } },
  examples: ["labbook pins", "labbook pins --rev v1.0 --json"],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook pins: takes no arguments");
    const rev = stringOption(ctx.values, "rev");
    const pins = rev
      ? await readPinsAtRev(ctx.config.root, ctx.config.lineageDir, rev)
      : await readPins(ctx.config.lineageDir);
    if (ctx.json) return printJson(ctx, pins);
    const rows = Object.entries(pins).flatMap(([set, p]) =>
      Object.entries(p).map(([dataset, version]) => [set, dataset, shortVersion(version)]),
    );
    if (rows.length === 0) return ctx.log.info(rev ? `nothing was pinned at ${rev}` : "nothing is pinned");
    ctx.out(formatTable(["set", "dataset", "version"], rows));
  },
});
