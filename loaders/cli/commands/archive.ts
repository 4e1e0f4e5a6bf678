import { createArchive } from "../../deliver/archive.ts";
import { verifyZip } from "../../deliver/zip-verify.ts";
import { usageError } from "../../errors.ts";
import { shortVersion } from "../../lineage/version.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "archive",
  usage: "<pin-set> [--with-site] [--out FILE] | --verify <zip>",
  description:
    "Write one zip for an experiment: the pinned Parquet objects, their lineage records, the pin set, the quality\n" +
    "results that checked those versions (if any), the built site with --with-site, a README (versions, git commit,\n" +
    "how to reproduce) and manifest.json with the sha256 of every file. Unzipped, it is a labbook store.\n" +
    "--with-site is refused unless dist/ was built from this pin set at these versions, as its provenance records.\n" +
    "With --verify, re-hash everything inside a zip (objects against their names, other files against the\n" +
    "manifest) and exit 1 naming any corrupt or missing file. Works on offload zips too.",
  options: {
    "with-site": {
      type: "boolean",
      description: "Include the built site (dist/), which must show this set: LABBOOK_PINS=<set> npm run build",
    },
    out: {
      type: "string",
      valueName: "FILE",
      description: "The zip to write (default exports/archives/<set>-<time>.zip)",
    },
    verify: { type: "boolean", description: "Verify the zip named as the argument instead of writing one" },
  },
  examples: [
    "labbook archive study-a",
    "labbook archive study-a --with-site --out study-a.zip",
    "labbook archive --verify study-a.zip",
  ],
  async run(ctx) {
    const [arg, ...extra] = ctx.positionals;
    if (!arg || extra.length)
      throw usageError(
        ctx.values.verify ? "labbook archive --verify: name one zip" : "labbook archive: name one pin set",
        ['Run "labbook pins" to list the pin sets.'],
      );
    if (ctx.values.verify) {
      if (ctx.values["with-site"] || ctx.values.out) throw usageError("--verify takes no --with-site or --out");
      const check = await verifyZip(arg);
      if (ctx.json) return printJson(ctx, check);
      ctx.out(`ok: ${check.entries} files (${check.objects} objects, ${check.bytes} bytes) match their hashes`);
      return;
    }
    const result = await createArchive(
      ctx.config,
      { set: arg, withSite: ctx.values["with-site"] === true, out: stringOption(ctx.values, "out") },
      { log: ctx.log, signal: ctx.signal },
    );
    if (ctx.json) return printJson(ctx, result);
    for (const d of result.datasets) ctx.log.info(`  ${d.dataset}@${shortVersion(d.version)}  ${d.rowCount} rows`);
    ctx.out(result.path);
  },
});
