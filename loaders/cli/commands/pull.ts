import { usageError } from "../../errors.ts";
import { pinSet, readPins, readPinsAtRev } from "../../lineage/pins.ts";
import { openRemote } from "../../remote/index.ts";
import { pull } from "../../remote/pull.ts";
import { stringOption } from "../args.ts";
import { formatBytes } from "../units.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "pull",
  usage: "[--pins SET] [--rev REV]",
  description:
    "Download from LABBOOK_REMOTE the objects (and lineage records) a pin set needs that the local store lacks, four\n" +
    "at a time. Every object is re-hashed before it is admitted: a corrupt remote copy is refused, named, and never\n" +
    "stored (exit 1). --rev reads the pins as committed at a commit, tag or branch. Safe to re-run.",
  options: {
    pins: { type: "string", valueName: "SET", description: 'The pin set (default LABBOOK_PINS or "default")' },
    rev: { type: "string", valueName: "REV", description: "Use lineage/pins.json as it was at this git revision" },
  },
  examples: ["labbook pull", "labbook pull --pins exp-2025-07", "labbook pull --pins default --rev v1.0 --json"],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook pull: takes no arguments");
    const set = stringOption(ctx.values, "pins") ?? ctx.config.pinSet;
    const rev = stringOption(ctx.values, "rev");
    const pins = rev
      ? await readPinsAtRev(ctx.config.root, ctx.config.lineageDir, rev)
      : await readPins(ctx.config.lineageDir);
    const wanted = Object.entries(pinSet(pins, set)).map(([dataset, version]) => ({ dataset, version }));
    const remote = openRemote(ctx.config);
    try {
      const result = await pull(ctx.config, remote, wanted, { log: ctx.log, signal: ctx.signal });
      if (ctx.json) return printJson(ctx, result);
      ctx.log.info(
        `pulled ${result.pulled.length} objects (${formatBytes(result.bytes)}) and ${result.records} ` +
          `lineage records from ${result.remote}; ${result.present} objects were already here`,
      );
    } finally {
      remote.close();
    }
  },
});
