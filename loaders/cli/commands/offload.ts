import { offload } from "../../deliver/offload.ts";
import { usageError } from "../../errors.ts";
import { shortVersion } from "../../lineage/version.ts";
import { intOption, MAX_DAYS, stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "offload",
  usage: "--days-old N [--delete-source] [--yes] [--out FILE] [--allow-shallow]",
  description:
    "Move unpinned versions made more than N days ago (by their lineage eventTime) into one offload zip with their\n" +
    "lineage records, and with --delete-source remove their objects from the store. A version pinned in the working\n" +
    "tree, or in a git repository in any commit reachable from a branch or tag, is never touched. Lineage records\n" +
    "always stay, and data/offload/index.json notes which zip holds each offloaded version. If any reachable\n" +
    "commit's pins cannot be read (a pins.json that does not parse, a missing git object, a shallow clone) it\n" +
    "refuses and touches nothing.\n" +
    "Without --yes nothing is written or removed: it only shows what it would do.",
  options: {
    "days-old": { type: "string", valueName: "N", description: "Only versions made more than N days ago" },
    "delete-source": { type: "boolean", description: "Remove the offloaded objects from the store (needs --yes)" },
    yes: { type: "boolean", description: "Do it: write the zip (and delete with --delete-source)" },
    out: {
      type: "string",
      valueName: "FILE",
      description: "The zip to write (default data/offload/offload-<time>.zip)",
    },
    "allow-shallow": {
      type: "boolean",
      description: "In a shallow clone, protect only the pins in the history present instead of refusing",
    },
  },
  examples: [
    "labbook offload --days-old 90",
    "labbook offload --days-old 90 --yes",
    "labbook offload --days-old 90 --delete-source --yes --out /mnt/cold/labbook-2025q3.zip",
  ],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook offload takes no arguments");
    if (ctx.values["days-old"] === undefined) throw usageError("labbook offload: --days-old N is required");
    const daysOld = intOption(ctx.values, "days-old", 0, 0, MAX_DAYS);
    const result = await offload(ctx.config, {
      daysOld,
      deleteSource: ctx.values["delete-source"] === true,
      yes: ctx.values.yes === true,
      out: stringOption(ctx.values, "out"),
      allowShallow: ctx.values["allow-shallow"] === true,
      log: ctx.log,
      signal: ctx.signal,
    });
    if (ctx.json) return printJson(ctx, result);
    const { plan } = result;
    if (plan.candidates.length === 0) {
      ctx.log.info(
        `nothing to offload: no unpinned version is older than ${daysOld} days (${plan.pinnedKept} pinned kept)`,
      );
      return;
    }
    ctx.out(
      formatTable(
        ["dataset", "version", "made", "age (days)", "bytes"],
        plan.candidates.map((c) => [c.dataset, shortVersion(c.version), c.createdAt, c.ageDays, c.size]),
      ),
    );
    const what = `${plan.candidates.length} versions, ${result.bytes} bytes`;
    if (result.dryRun) {
      ctx.log.info(
        `dry run: would write ${what} to ${result.zip}` +
          (ctx.values["delete-source"] ? " and remove them from the store" : "") +
          `; pins honoured: ${plan.protection}. Pass --yes to do it.`,
      );
    } else {
      ctx.log.info(`wrote ${what} to ${result.zip}; removed ${result.deleted.length} from the store`);
    }
  },
});
