import { restoreZip } from "../../deliver/restore.ts";
import { usageError } from "../../errors.ts";
import { shortVersion } from "../../lineage/version.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "restore",
  usage: "<zip> [--json]",
  description:
    "Bring offloaded versions back into the store from an offload zip (or an archive). Every entry is re-hashed\n" +
    "first, and a corrupt zip restores nothing. Store objects, rejects files and lineage records are then unpacked\n" +
    "under the store lock, each object hashed again on the way, and never over a file already there: an object or\n" +
    "record the project has stays as it is. Other entries (a site, an archive's pins.json) are not unpacked. The\n" +
    "restore is noted in data/offload/index.json.",
  examples: [
    "labbook restore data/offload/offload-20251201T000000Z.zip",
    "labbook restore /mnt/cold/labbook-2025q3.zip --json",
  ],
  async run(ctx) {
    const [zip, ...extra] = ctx.positionals;
    if (!zip || extra.length) throw usageError("labbook restore: name one zip", ['Run "labbook restore --help".']);
    const result = await restoreZip(ctx.config, zip, { log: ctx.log, signal: ctx.signal });
    if (ctx.json) return printJson(ctx, result);
    for (const r of result.restored) ctx.out(`restored ${r.dataset || "(no record)"}@${shortVersion(r.version)}`);
    for (const k of result.kept) ctx.log.info(`kept ${k}: already in place, not overwritten`);
    if (result.skipped.length)
      ctx.log.info(`skipped ${result.skipped.length} entries that belong to no version (e.g. ${result.skipped[0]})`);
    ctx.log.info(
      `restore: ${result.restored.length} object(s) restored, ${result.present} already in the store, ` +
        `${result.records} lineage record(s) written, from ${result.zip}`,
    );
  },
});
