import path from "node:path";
import type { Logger } from "../../log.ts";
import { FAILING_CHECKS_ENV } from "../../quality/failing.ts";
import { describeFailure, gateError, gateVerdict } from "../../quality/gate.ts";
import { buildSite } from "../../site/build.ts";
import { BUILD_TIME_ENV, buildTime } from "../../site/build-time.ts";
import { prepareSiteData } from "../../site/prepare.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "build",
  usage: "[--out DIR] [--allow-failing-checks] [--verbose]",
  description:
    "Build the report site (Observable Framework) from the pinned dataset versions, offline.\n" +
    "LABBOOK_PINS chooses the pin set (default: default). With no pins at all it first ingests every source dataset\n" +
    "(seeding the embedded PostgreSQL when it is empty) and pins them as `default`. Pinned objects missing from the\n" +
    "local store are pulled from LABBOOK_REMOTE, or the build fails naming them; it never re-ingests.\n" +
    "Only the data loaders whose pinned inputs, code or pin set changed since the last build run again.\n" +
    "The build refuses (exit 1) a pin set in which a pinned version fails an error-severity quality check, naming\n" +
    "dataset, version and check; --allow-failing-checks builds anyway, with a banner on every page naming them.\n" +
    "It prints a one-line summary (pages, datasets, loaders run and kept, time, warnings); --verbose adds Framework's\n" +
    "line per file. A data loader that fails is named, with its error.\n" +
    "The pages show SOURCE_DATE_EPOCH (seconds since 1970) as the build time when it is set, so that two builds of\n" +
    "one commit, with the same LABBOOK_PSEUDONYM_KEY, are byte-identical.",
  options: {
    out: {
      type: "string",
      valueName: "DIR",
      description: "Output directory (default dist); replaced only if it holds a build",
    },
    verbose: {
      type: "boolean",
      description: "Also print Framework's line per page and file, and which loaders run",
    },
    "allow-failing-checks": {
      type: "boolean",
      description: "Publish even though error checks fail; every page and the provenance stamp then say which",
    },
  },
  examples: [
    "labbook build",
    "LABBOOK_PINS=exp-reminders labbook build --out dist-reminders",
    "labbook build --allow-failing-checks",
    "labbook build --json",
  ],
  async run(ctx) {
    const started = Date.now();
    let warnings = 0;
    const log: Logger = { ...ctx.log, warn: (m) => (warnings++, ctx.log.warn(m)) };
    // The first build of a fresh clone ingests and pins here, so the gate judges what would be published.
    const preparation = await prepareSiteData(ctx.config, { log, signal: ctx.signal });
    ctx.log.progress(`build: running the quality checks of pin set "${ctx.config.pinSet}"`);
    // The gate and the quality page judge freshness at the same time: the build's (SOURCE_DATE_EPOCH when set).
    const builtAt = buildTime(process.env, () => started);
    const verdict = await gateVerdict(ctx.config, ctx.config.pinSet, { clock: () => builtAt, signal: ctx.signal });
    const allowed = ctx.values["allow-failing-checks"] === true;
    if (verdict.failures.length && !allowed) throw gateError(verdict);
    if (verdict.failures.length)
      log.warn(`publishing despite failing error checks: ${verdict.failures.map(describeFailure).join(", ")}`);
    const result = await buildSite(ctx.config, {
      outDir: stringOption(ctx.values, "out"),
      log,
      verbose: ctx.values.verbose === true,
      signal: ctx.signal,
      // Always set, so that a value inherited from the caller's environment cannot put a banner on a clean build.
      env: {
        ...process.env,
        [FAILING_CHECKS_ENV]: verdict.failures.length ? JSON.stringify(verdict.failures) : "",
        [BUILD_TIME_ENV]: new Date(builtAt).toISOString(),
      },
    });
    const out = {
      ...result,
      preparation: preparation.action === "ready" ? result.preparation : preparation,
      failingChecks: verdict.failures,
    };
    if (ctx.json) return printJson(ctx, out);
    // The summary: what was read, what ran, what came out, how long, and whether anything above needs a look.
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    ctx.out(
      `built ${path.relative(process.cwd(), result.outDir) || "."}: ${count(result.pages.length, "page")} from pin ` +
        `set "${result.pinSet}" (${count(Object.keys(result.pins).length, "dataset")}); loaders: ` +
        `${result.rerun.length} run, ${result.kept.length} kept; ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        (warnings ? count(warnings, "warning") : "no warnings") +
        (verdict.failures.length ? `; ${count(verdict.failures.length, "failing check")} bannered` : ""),
    );
  },
});
