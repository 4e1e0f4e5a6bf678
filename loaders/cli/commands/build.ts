import { buildSite } from "../../site/build.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "build",
  usage: "[--out DIR]",
  description:
    "Build the report site (Observable Framework) from the pinned dataset versions, offline.\n" +
    "LABBOOK_PINS chooses the pin set (default: default). With no pins at all it first ingests every source dataset\n" +
    "(seeding the embedded PostgreSQL when it is empty) and pins them as `default`. Pinned objects missing from the\n" +
    "local store are pulled from LABBOOK_REMOTE, or the build fails naming them; it never re-ingests.\n" +
    "Only the data loaders whose pinned inputs, code or pin set changed since the last build run again.",
  options: {
    out: {
      type: "string",
      valueName: "DIR",
      description: "Output directory (default dist); replaced only if it holds a build",
    },
  },
  examples: ["labbook build", "LABBOOK_PINS=exp-reminders labbook build --out dist-reminders", "labbook build --json"],
  async run(ctx) {
    const result = await buildSite(ctx.config, {
      outDir: stringOption(ctx.values, "out"),
      log: ctx.log,
      signal: ctx.signal,
    });
    if (ctx.json) return printJson(ctx, result);
    ctx.out(`${result.outDir}  ${result.pages.length} pages  pin set ${result.pinSet}  ${result.seconds.toFixed(1)} s`);
  },
});
