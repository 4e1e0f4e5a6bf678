import { getDataset } from "../../datasets/index.ts";
import { usageError } from "../../errors.ts";
import { findVersion } from "../../lineage/catalog.ts";
import { partitionsSummary, type PartitionsFacet } from "../../ingest/partitions.ts";
import { parseRef, shortVersion } from "../../lineage/version.ts";
import { defineCommand } from "../command.ts";

export default defineCommand({
  name: "show",
  usage: "<dataset>@<version|latest>",
  description:
    "Print a version's lineage record (an OpenLineage RunEvent). The output is JSON either way. For a version made\n" +
    'of partitions, stderr also says what its ingest did: "3 of 7 partitions written, 4 reused".',
  examples: ["labbook show behavioral_events@latest", "labbook show behavioral_events@3f2a9c1d"],
  async run(ctx) {
    const [ref, ...extra] = ctx.positionals;
    if (!ref || extra.length) throw usageError("labbook show: give one <dataset>@<version|latest>");
    const { dataset, version } = parseRef(ref);
    getDataset(dataset);
    const entry = await findVersion(ctx.config.lineageDir, dataset, version);
    ctx.out(JSON.stringify(entry.record, null, 2));
    const partitions = entry.record.run.facets.labbook_partitions as PartitionsFacet | undefined;
    if (partitions) ctx.log.info(`${dataset}@${shortVersion(entry.version)}: ${partitionsSummary(partitions)}`);
  },
});
