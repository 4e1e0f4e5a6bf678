import { usageError } from "../../errors.ts";
import { newPage } from "../../site/new-page.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "new",
  usage: "page <name> [--dataset D]",
  description:
    "Start a report page: writes src/<name>.md and its SQL loader src/<name>.json.sql, a weekly count over the\n" +
    "dataset D with a chart and a table. The build finds both by itself: the sidebar entry comes from the page's\n" +
    "front matter, its footer and re-runs from the datasets the query reads. Refuses to overwrite either file.",
  options: {
    dataset: {
      type: "string",
      valueName: "D",
      description: "The dataset the query aggregates (default behavioral_events)",
    },
  },
  examples: [
    "labbook new page sleep --dataset behavioral_events",
    "labbook new page studies/context --dataset context_metadata",
  ],
  async run(ctx) {
    const [kind, name, ...extra] = ctx.positionals;
    if (kind !== "page" || !name || extra.length)
      throw usageError("labbook new: give what to make and its name: labbook new page <name> [--dataset D]");
    const result = await newPage(ctx.config.root, name, stringOption(ctx.values, "dataset"));
    if (ctx.json) return printJson(ctx, result);
    for (const file of result.files) ctx.out(`wrote ${file}`);
    ctx.log.info(`Preview with "npm run dev", then edit the query and the page; "npm run build" publishes it.`);
  },
});
