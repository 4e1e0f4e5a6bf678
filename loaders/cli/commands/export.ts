import { exportDataset } from "../../deliver/export.ts";
import { parseFilter } from "../../deliver/filter.ts";
import { EXPORT_FORMATS, PARQUET_COMPRESSIONS, type ExportFormat } from "../../deliver/format.ts";
import { usageError } from "../../errors.ts";
import { shortVersion } from "../../lineage/version.ts";
import { choiceOption, stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "export",
  usage:
    "<dataset>[@version] --format csv|ndjson|parquet|all [--pins SET] [--out DIR] [--compression C] [--partition-by COLUMN|date] [--filter COLUMN=V1,V2]",
  description:
    "Export one dataset version for people and tools outside labbook, with a manifest of sha256 hashes.\n" +
    "The version is the one named, else the one pinned in --pins (or LABBOOK_PINS/default), else the latest.\n" +
    "CSV: UTF-8 with a byte-order mark and a header, timestamps ISO 8601 UTC, JSON columns as JSON text.\n" +
    "NDJSON: a schema record first, then one object per row carrying _schema_version.\n" +
    "Parquet: the compression given (default zstd), optionally hive-partitioned (date=2025-10-01/…).\n" +
    "Each export is a directory <dataset>-<version>[-<options hash>] under exports/<format>/, written to a temp\n" +
    "directory and renamed into place; an export with the same name is replaced.",
  options: {
    format: { type: "string", valueName: "FORMAT", description: "csv, ndjson, parquet, or all three" },
    pins: { type: "string", valueName: "SET", description: "Export the version pinned in this set" },
    out: {
      type: "string",
      valueName: "DIR",
      description: "Parent directory (default exports/<format>); with --format all, <DIR>/<format>",
    },
    compression: {
      type: "string",
      valueName: "C",
      description: `Parquet compression: ${PARQUET_COMPRESSIONS.join(", ")} (default zstd)`,
    },
    "partition-by": {
      type: "string",
      valueName: "COLUMN",
      description: "Parquet: hive-partition by a column, or by date (UTC day of the time column)",
    },
    filter: {
      type: "string",
      multiple: true,
      valueName: "COLUMN=V1,V2",
      description: "Keep rows whose column is one of the values (repeatable; values are bound, never SQL)",
    },
    "no-bom": { type: "boolean", description: "CSV: leave out the UTF-8 byte-order mark" },
  },
  examples: [
    "labbook export behavioral_events --format csv",
    "labbook export behavioral_events --pins study-a --format parquet --partition-by date --compression snappy",
    "labbook export behavioral_events@3f2a9c1e --format all --filter eventType=SESSION_STARTED,SESSION_ENDED",
    "labbook export context_metadata --format ndjson --out /tmp/handover",
  ],
  async run(ctx) {
    const [ref, ...extra] = ctx.positionals;
    if (!ref || extra.length) throw usageError("labbook export: name one dataset, e.g. behavioral_events@<version>");
    const format = stringOption(ctx.values, "format");
    if (format === undefined)
      throw usageError(`labbook export: --format is required: ${[...EXPORT_FORMATS, "all"].join(", ")}`);
    const chosen = choiceOption(ctx.values, "format", [...EXPORT_FORMATS, "all"] as const, "all");
    const formats: ExportFormat[] = chosen === "all" ? [...EXPORT_FORMATS] : [chosen];
    const compression =
      ctx.values.compression === undefined
        ? undefined
        : choiceOption(ctx.values, "compression", PARQUET_COMPRESSIONS, "zstd");
    const filters = ((ctx.values.filter as string[] | undefined) ?? []).map(parseFilter);
    const results = await exportDataset(
      ctx.config,
      {
        ref,
        formats,
        pins: stringOption(ctx.values, "pins"),
        out: stringOption(ctx.values, "out"),
        compression,
        partitionBy: stringOption(ctx.values, "partition-by"),
        filters,
        bom: ctx.values["no-bom"] ? false : undefined,
      },
      { log: ctx.log, signal: ctx.signal },
    );
    if (ctx.json)
      return printJson(
        ctx,
        results.map((r) => ({ dir: r.dir, ...r.manifest })),
      );
    for (const r of results)
      ctx.out(
        `${r.format}  ${r.manifest.dataset}@${shortVersion(r.manifest.version)}  ${r.manifest.rowCount} rows  ${r.manifest.files.length} file(s)  ${r.dir}`,
      );
  },
});
