import { usageError } from "../../errors.ts";
import { exportIceberg } from "../../iceberg/export.ts";
import { shortVersion } from "../../lineage/version.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "iceberg",
  usage: "--warehouse DIR|s3://bucket/prefix [--pins SET]... [--catalog URL [--namespace NS]]",
  description:
    "Publish every dataset as an Apache Iceberg table (format v2) in a file-based catalog, for Spark, Trino,\n" +
    "DuckDB or PyIceberg: <warehouse>/<dataset>/metadata/v<N>.metadata.json and version-hint.text.\n" +
    "Each version is a snapshot, in the order they were made, with labbook.version, labbook.run-id and\n" +
    "labbook.row-count in its summary; the latest version is current, and each pin set is a tag on its version.\n" +
    "No data is copied: a directory warehouse lists the store's objects where they are, an S3 warehouse the\n" +
    "objects pushed to LABBOOK_REMOTE (which must then be on S3; versions not pushed are left out).\n" +
    "Re-running writes nothing unless a version or pin changed; a change adds one metadata file per table.\n" +
    "The tables disable Iceberg's garbage collection: an engine must never delete labbook's objects.\n" +
    "--catalog also registers each table with an Iceberg REST catalog (re-registering it when its metadata\n" +
    "changed), with the bearer token in LABBOOK_ICEBERG_TOKEN if set.",
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
    catalog: {
      type: "string",
      valueName: "URL",
      description: "Register the tables with the Iceberg REST catalog at this base URL",
    },
    namespace: {
      type: "string",
      valueName: "NS",
      description: 'The REST catalog namespace of the tables (default "labbook")',
    },
  },
  examples: [
    "labbook iceberg --warehouse /srv/iceberg",
    "labbook iceberg --warehouse warehouse --pins default --pins exp-2025-07 --json",
    "LABBOOK_REMOTE=s3://lab-data/labbook labbook iceberg --warehouse s3://lab-data/iceberg",
    "labbook iceberg --warehouse s3://lab-data/iceberg --catalog https://catalog.example.org/api/catalog",
  ],
  async run(ctx) {
    if (ctx.positionals.length) throw usageError("labbook iceberg: takes no arguments");
    const warehouse = stringOption(ctx.values, "warehouse");
    if (!warehouse) throw usageError("labbook iceberg: --warehouse is required (a directory or s3://bucket/prefix)");
    const url = stringOption(ctx.values, "catalog");
    const namespace = stringOption(ctx.values, "namespace");
    if (namespace !== undefined && !url) throw usageError("labbook iceberg: --namespace goes with --catalog");
    if (url && !/^https?:\/\//.test(url))
      throw usageError(`labbook iceberg: --catalog takes an http(s) URL, got "${url}"`);
    const token = process.env.LABBOOK_ICEBERG_TOKEN || undefined;
    const result = await exportIceberg(ctx.config, {
      warehouse,
      catalog: url ? { url, namespace: namespace ?? "labbook", token } : undefined,
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
          (t.skipped.length ? `, ${t.skipped.length} versions left out` : "") +
          (t.catalog ? `, catalog ${t.catalog}` : ""),
      );
      for (const s of t.skipped) ctx.log.warn(`${t.dataset}@${shortVersion(s.version)} left out: ${s.reason}`);
    }
    if (result.tables.length === 0) ctx.log.info("no dataset has a version yet: nothing to publish");
  },
});
