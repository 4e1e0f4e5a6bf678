import { getDataset } from "../../datasets/index.ts";
import { usageError } from "../../errors.ts";
import { filtersOf, listVersions } from "../../lineage/catalog.ts";
import { shortVersion } from "../../store/version.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "versions",
  usage: "<dataset>",
  description: "List a dataset's versions, newest first: short id, time, rows, size and parameters.",
  examples: ["labbook versions behavioral_events", "labbook versions behavioral_events --json"],
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    if (!name || extra.length) throw usageError("labbook versions: name one dataset");
    getDataset(name);
    const entries = await listVersions(ctx.config.lineageDir, name);
    if (ctx.json)
      return printJson(
        ctx,
        entries.map(({ record: _r, ...e }) => e),
      );
    if (entries.length === 0) return ctx.log.info(`no versions of ${name} yet`);
    ctx.out(
      formatTable(
        ["version", "created", "rows", "size", "job", "parameters"],
        entries.map((e) => [shortVersion(e.version), e.createdAt, e.rowCount, e.size, e.job, compact(e.parameters)]),
      ),
    );
  },
});

function compact(p: Record<string, unknown>): string {
  const parts = filtersOf(p);
  if (p.validation && p.validation !== "strict") parts.push(`validation=${p.validation}`);
  return parts.join(" ") || "-";
}
