import { usageError } from "../../errors.ts";
import { openRemote } from "../../remote/index.ts";
import { push, pushSelection } from "../../remote/push.ts";
import { stringOption } from "../args.ts";
import { formatBytes } from "../units.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "push",
  usage: "[--pins SET | --all]",
  description:
    "Upload to LABBOOK_REMOTE (a directory or s3://bucket/prefix) the objects and lineage records of a pin set that\n" +
    "the remote lacks, four at a time. Each object is re-hashed on the way and published only if it is intact.\n" +
    'Safe to re-run after an interruption. The pin set defaults to LABBOOK_PINS or "default".',
  options: {
    pins: { type: "string", valueName: "SET", description: "Push the versions this pin set names" },
    all: { type: "boolean", description: "Push every version whose object is in the local store" },
  },
  examples: [
    "labbook push",
    "labbook push --pins exp-2025-07",
    "LABBOOK_REMOTE=s3://lab-data/labbook labbook push --all",
  ],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook push: takes no arguments");
    const set = stringOption(ctx.values, "pins");
    if (set && ctx.values.all) throw usageError("labbook push: give --pins or --all, not both");
    const wanted = await pushSelection(ctx.config, ctx.values.all ? "all" : { set: set ?? ctx.config.pinSet });
    const remote = openRemote(ctx.config);
    try {
      const result = await push(ctx.config, remote, wanted, { log: ctx.log, signal: ctx.signal });
      if (ctx.json) return printJson(ctx, result);
      ctx.log.info(
        `pushed ${result.pushed.length} objects (${formatBytes(result.bytes)}) and ${result.records} ` +
          `lineage records to ${result.remote}; ${result.present} objects were already there`,
      );
    } finally {
      remote.close();
    }
  },
});
