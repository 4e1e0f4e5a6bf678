import { checkVersions, type CheckResult, type QualityReport } from "../../quality/index.ts";
import { shortVersion } from "../../lineage/version.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "check",
  usage: "[dataset[@version]…] [--pins SET] [--against VERSION|SET]",
  description:
    "Run the quality checks declared in the dataset definitions on stored versions: the latest version of every\n" +
    "dataset that has checks and versions, the named ones, or with --pins the versions a pin set pins. Checks that\n" +
    "read other datasets (relationships, no_gaps within, freshness against a dataset) read them at the same pins, or\n" +
    "at their latest version. Prints each check's status, failing count and a sample of failing rows, and stores the\n" +
    "outcome as a version of the quality_results dataset. Exits 1 when an error-severity check fails; a failed\n" +
    "warn-severity check is reported and exits 0.\n" +
    "Drift checks (row_count_change, null_rate_change, distribution_shift, category_shift, settled_rows_changed)\n" +
    "compare each checked version with its previous version, or with what --against names.",
  options: {
    pins: {
      type: "string",
      valueName: "SET",
      description: "Check the versions this pin set pins, and read other datasets at their pinned versions",
    },
    against: {
      type: "string",
      valueName: "VERSION|SET",
      description: "Compare drift checks with this version, or with each dataset's version in this pin set",
    },
  },
  examples: [
    "labbook check",
    "labbook check behavioral_events",
    "labbook check behavioral_events@3f2a9c1d --json",
    "labbook check --pins default",
    "labbook check behavioral_events --against exp-2025-07",
  ],
  async run(ctx) {
    const { reports, results } = await checkVersions(ctx.config, {
      refs: ctx.positionals,
      pins: stringOption(ctx.values, "pins"),
      against: stringOption(ctx.values, "against"),
      log: ctx.log,
      signal: ctx.signal,
    });
    const failed = named(reports, "fail");
    const warned = named(reports, "warn");
    if (ctx.json)
      printJson(ctx, { status: failed.length ? "fail" : warned.length ? "warn" : "pass", reports, results });
    else ctx.out(formatReports(reports));
    ctx.log.info(
      `results stored as quality_results@${shortVersion(results.version)}${results.stored ? "" : " (unchanged)"}`,
    );
    if (warned.length) ctx.log.warn(`${warned.length} warn-severity check(s) failed: ${warned.join(", ")}`);
    if (failed.length) {
      ctx.log.info(`quality checks failed: ${failed.join(", ")}`);
      return 1;
    }
  },
});

const named = (reports: QualityReport[], status: CheckResult["status"]) =>
  reports.flatMap((r) => r.results.filter((c) => c.status === status).map((c) => `${r.dataset} ${c.check}`));

/** A failing row as `column=value …`, cut to a width a terminal can hold. */
function compact(row: Record<string, unknown> | undefined, width = 72): string {
  if (!row) return "";
  const text = Object.entries(row)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function formatReports(reports: QualityReport[]): string {
  const rows = reports.flatMap((r) =>
    r.results.map((c) => [
      `${r.dataset}@${shortVersion(r.version)}`,
      c.check,
      c.severity,
      c.status === "pass" ? "pass" : c.status.toUpperCase(),
      c.failing,
      c.status === "skipped" ? (c.detail ?? "") : compact(c.sample[0]),
    ]),
  );
  const table = formatTable(["dataset", "check", "severity", "status", "failing", "sample"], rows);
  const samples = reports.flatMap((r) =>
    r.results
      .filter((c) => c.status === "fail" || c.status === "warn")
      .map((c) =>
        [
          `${r.dataset} ${c.check}: ${c.failing} failing${c.allowed ? ` (${c.allowed} allowed)` : ""}${c.detail ? `, ${c.detail}` : ""}`,
          ...c.sample.map((row) => `  ${compact(row, 160)}`),
        ].join("\n"),
      ),
  );
  return [table, ...samples].join("\n\n");
}
