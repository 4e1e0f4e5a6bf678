import { getDataset } from "../../datasets/index.ts";
import { usageError } from "../../errors.ts";
import { filtersOf, listVersions } from "../../lineage/catalog.ts";
import { readPins, setsPinning } from "../../lineage/pins.ts";
import { shortVersion } from "../../lineage/version.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "versions",
  usage: "<dataset>",
  description:
    "List a dataset's versions, newest first: short id, time, rows, size, parameters, and the pin sets of lineage/pins.json that pin it.",
  examples: ["labbook versions behavioral_events", "labbook versions behavioral_events --json"],
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    if (!name || extra.length) throw usageError("labbook versions: name one dataset");
    getDataset(name);
    // The readable versions are still listed; each unreadable record is named, and the exit status says some were.
    let unreadable = 0;
    const entries = await listVersions(ctx.config.lineageDir, name, {
      unreadable: (u) => {
        unreadable++;
        ctx.log.warn(u.error.message);
      },
    });
    const pins = await readPins(ctx.config.lineageDir);
    const listed = entries.map(({ record: _r, ...e }) => ({ ...e, pinnedIn: setsPinning(pins, name, e.version) }));
    if (ctx.json) printJson(ctx, listed);
    else if (entries.length === 0) ctx.log.info(`no ${unreadable ? "readable " : ""}versions of ${name} yet`);
    else
      ctx.out(
        formatTable(
          ["version", "created", "rows", "size", "job", "parameters", "pinned in"],
          listed.map((e) => [
            shortVersion(e.version),
            e.createdAt,
            e.rowCount,
            e.size,
            e.job,
            compact(e.parameters),
            e.pinnedIn.join(", ") || "-",
          ]),
        ),
      );
    return unreadable ? 1 : 0;
  },
});

function compact(p: Record<string, unknown>): string {
  const parts = filtersOf(p);
  if (p.validation && p.validation !== "strict") parts.push(`validation=${p.validation}`);
  return parts.join(" ") || "-";
}
