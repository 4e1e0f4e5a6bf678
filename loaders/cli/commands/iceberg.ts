import { usageError } from "../../errors.ts";
import { exportIceberg } from "../../iceberg/export.ts";
import { shortVersion } from "../../store/version.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "iceberg",
  usage: "--warehouse DIR|s3://bucket/prefix [--pins SET]...",
  description:
    "Publish every dataset as an Apache Iceberg table (format v2) in a file-based catalog, for Spark, Trino,\n" +
    "DuckDB or PyIceberg: <warehouse>/<dataset>/metadata/v<N>.metadata.json and version-hint.text.\n" +
    "Each version is a snapshot, in the order they were made, with labbook.version, labbook.run-id and\n" +
    "labbook.row-count in its summary; the latest version is current, and each pin set is a tag on its version.\n" +
    "No data is copied: a directory warehouse lists the store's objects where they are, an S3 warehouse the\n" +
    "objects pushed to LABBOOK_REMOTE (which must then be on S3; versions not pushed are left out).\n" +
    "Re-running writes nothing unless a version or pin changed; a change adds one metadata file per table.\n" +
    "The tables disable Iceberg's garbage collection: an engine must never delete labbook's objects.",
  options: {
    warehouse: {
      type: "string",
      valueName: "DIR",
      description: "The catalog's root: a directory (made if absent) or s3://bucket/prefix",
    },
    pins: {
      type: "string",
      multiple: true,
      valueName: "SET",
      description: "Tag only these pin sets (repeatable; default: every set in lineage/pins.json)",
    },
  },
  examples: [
    "labbook iceberg --warehouse /srv/iceberg",
    "labbook iceberg --warehouse warehouse --pins default --pins exp-2025-07 --json",
    "LABBOOK_REMOTE=s3://lab-data/labbook labbook iceberg --warehouse s3://lab-data/iceberg",
  ],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook iceberg: takes no arguments");
    const warehouse = stringOption(ctx.values, "warehouse");
    if (!warehouse) throw usageError("labbook iceberg: --warehouse is required (a directory or s3://bucket/prefix)");
    const result = await exportIceberg(ctx.config, {
      warehouse,
      pinSets: ctx.values.pins as string[] | undefined,
      log: ctx.log,
      signal: ctx.signal,
    });
    if (ctx.json) return printJson(ctx, result);
    for (const t of result.tables) {
      const tags = Object.entries(t.tags).map(([tag, v]) => `${tag}=${shortVersion(v)}`);
      ctx.out(
        `${t.dataset}\t${t.written ? t.metadata : "unchanged"}\t${t.snapshots} snapshots, current ` +
          `${shortVersion(t.current)}${tags.length ? `, tags ${tags.join(" ")}` : ""}` +
          (t.skipped.length ? `, ${t.skipped.length} versions left out` : ""),
      );
      for (const s of t.skipped) ctx.log.warn(`${t.dataset}@${shortVersion(s.version)} left out: ${s.reason}`);
    }
    if (result.tables.length === 0) ctx.log.info("no dataset has a version yet: nothing to publish");
  },
});
