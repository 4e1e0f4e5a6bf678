import { usageError } from "../../errors.ts";
import { readPins } from "../../lineage/pins.ts";
import { openRemote, type Remote } from "../../remote/index.ts";
import { pinStatus } from "../../store/status.ts";
import { shortVersion } from "../../lineage/version.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "status",
  usage: "[--pins SET]",
  description:
    "For each dataset a pin set names: whether its object is in the local store, on LABBOOK_REMOTE, or missing;\n" +
    "how old the version is; and how fresh its newest row is (the maximum of the dataset's time column).\n" +
    "A pin of a dataset that no definition names, or of a version with no lineage record, is shown as invalid, with\n" +
    "what to do, and the command exits 1.",
  options: {
    pins: { type: "string", valueName: "SET", description: 'The pin set (default LABBOOK_PINS or "default")' },
  },
  examples: ["labbook status", "labbook status --pins exp-2025-07 --json"],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook status: takes no arguments");
    const set = stringOption(ctx.values, "pins") ?? ctx.config.pinSet;
    const remote: Remote | undefined = ctx.config.remote ? openRemote(ctx.config) : undefined;
    try {
      const rows = await pinStatus(ctx.config, await readPins(ctx.config.lineageDir), set, {
        remote,
        log: ctx.log,
        signal: ctx.signal,
      });
      const wrong = rows.filter((r) => r.problem !== null);
      for (const r of wrong) ctx.log.warn(`pin ${set}.${r.dataset} = ${shortVersion(r.version)}: ${r.problem}`);
      if (wrong.length)
        ctx.log.warn(
          `lineage/pins.json pins ${wrong.length === 1 ? "a version" : "versions"} that this project never made: ` +
            `repin with "labbook pin ${set} <dataset>@<version>" (see "labbook versions <dataset>"), drop the pin with ` +
            `"labbook unpin", or restore the file from git ("git checkout -- lineage/pins.json")`,
        );
      const code = wrong.length ? 1 : 0;
      if (ctx.json) {
        printJson(ctx, { set, remote: remote?.url ?? null, ok: code === 0, datasets: rows });
        return code;
      }
      ctx.out(
        formatTable(
          ["dataset", "version", "state", "remote", "age", "newest row", "freshness"],
          rows.map((r) => [
            r.dataset,
            shortVersion(r.version),
            r.problem ? "invalid" : r.state,
            r.remote === null ? "-" : r.remote ? "yes" : "no",
            duration(r.ageSeconds),
            r.newestRow ?? "-",
            duration(r.freshnessSeconds),
          ]),
        ),
      );
      return code;
    } finally {
      remote?.close();
    }
  },
});

/** "3d 4h", "5h 2m", "40s": enough to judge staleness at a glance. */
function duration(seconds: number | null): string {
  if (seconds === null) return "-";
  const s = Math.abs(seconds);
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  const text = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m` : `${s}s`;
  return seconds < 0 ? `in ${text}` : text;
}
