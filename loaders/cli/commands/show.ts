import { getDataset } from "../../datasets/index.ts";
import { usageError } from "../../errors.ts";
import { findVersion } from "../../lineage/catalog.ts";
import { parseRef } from "../../store/version.ts";
import { defineCommand } from "../command.ts";

export default defineCommand({
  name: "show",
  usage: "<dataset>@<version|latest>",
  description: "Print a version's lineage record (an OpenLineage RunEvent). The output is JSON either way.",
  examples: ["labbook show behavioral_events@latest", "labbook show behavioral_events@3f2a9c1d"],
  async run(ctx) {
    const [ref, ...extra] = ctx.positionals;
    if (!ref || extra.length) throw usageError("labbook show: give one <dataset>@<version|latest>");
    const { dataset, version } = parseRef(ref);
    getDataset(dataset);
    const entry = await findVersion(ctx.config.lineageDir, dataset, version);
    ctx.out(JSON.stringify(entry.record, null, 2));
  },
});
