import { LabbookError, usageError } from "../../errors.ts";
import { runPipeline, type RunResult } from "../../pipeline/run.ts";
import { shortVersion } from "../../lineage/version.ts";
import { choiceOption, intOption, MAX_DAYS } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "run",
  usage: "[dataset…] [--force] [--dry-run] [--mode recent|all] [--days N]",
  description:
    "Bring derived datasets up to date, in dependency order. A stage runs only when its definition (SQL, schema, keys)\n" +
    "or the version of one of its inputs changed since its last run, as recorded in its newest lineage record. Stages\n" +
    "read input versions from the store, never the live database. Naming datasets runs them and whatever stale stages\n" +
    "they read; with none, every derived dataset. A failing stage stops its dependents and exits 1; outputs that\n" +
    "were already written stay.\n\n" +
    "--mode recent --days N recomputes the last N days (counted back from the newest timestamp in the input, not the\n" +
    "clock) of day-partitioned stages and merges them with the previous version. It merges only when the result is\n" +
    "byte-identical to a full run: inputs read whole are unchanged and windowed inputs hold the same rows before the\n" +
    "cutoff. Otherwise, and for stages that are not day-partitioned, it recomputes in full and says why.",
  options: {
    force: { type: "boolean", description: "Run the named stages (or all) even when they are up to date" },
    "dry-run": { type: "boolean", description: "Print what would run and why, and run nothing" },
    mode: {
      type: "string",
      valueName: "MODE",
      description: '"all" recomputes stale stages in full (default); "recent" recomputes only the last --days days',
    },
    days: { type: "string", valueName: "N", description: "With --mode recent: how many days to recompute" },
  },
  examples: [
    "labbook run",
    "labbook run --dry-run",
    "labbook run weekly_metrics --force",
    "labbook run daily_user_metrics --mode recent --days 90",
  ],
  async run(ctx) {
    const mode = choiceOption(ctx.values, "mode", ["all", "recent"] as const, "all");
    if (mode === "recent" && ctx.values.days === undefined) throw usageError("--mode recent needs --days N");
    if (mode !== "recent" && ctx.values.days !== undefined) throw usageError("--days only applies to --mode recent");
    const days = mode === "recent" ? intOption(ctx.values, "days", 1, 1, MAX_DAYS) : undefined;
    const dryRun = ctx.values["dry-run"] === true;
    const result = await runPipeline(ctx.config, {
      targets: ctx.positionals,
      force: ctx.values.force === true,
      dryRun,
      mode,
      days,
      log: ctx.log,
      signal: ctx.signal,
    });
    if (ctx.json) {
      printJson(ctx, { dryRun, ...result });
      return result.failed.length ? 1 : 0;
    }
    ctx.out(formatResult(result, dryRun));
    if (result.failed.length) {
      const first = result.stages.find((s) => s.status === "failed")!;
      const message = first.error!.message;
      throw new LabbookError(message.startsWith("stage ") ? message : `stage ${first.dataset} failed: ${message}`, {
        code: "E_PIPELINE",
        details: [
          ...first.error!.details,
          ...result.stages.filter((s) => s.status === "skipped").map((s) => `${s.dataset}: ${s.why.join("; ")}`),
        ],
      });
    }
  },
});

function formatResult(result: RunResult, dryRun: boolean): string {
  const table = formatTable(
    ["dataset", "status", "version", "rows", "why"],
    result.stages.map((s) => [
      s.dataset,
      s.status,
      s.version ? shortVersion(s.version) : "",
      s.rowCount ?? "",
      [
        ...s.why,
        ...(s.note ? [s.note] : []),
        ...(s.summary ? Object.entries(s.summary).map(([k, v]) => `${k}: ${v}`) : []),
      ].join("; "),
    ]),
  );
  const n = result.ran.length;
  const last = dryRun
    ? n
      ? `${n} stage${n === 1 ? "" : "s"} would run.`
      : "Nothing would run: every stage is up to date."
    : n
      ? `Ran ${n} stage${n === 1 ? "" : "s"}.`
      : result.failed.length
        ? "No stage ran."
        : "Nothing to do: every stage is up to date.";
  return `${table}\n${last}`;
}
