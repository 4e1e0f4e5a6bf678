import path from "node:path";
import { checkExport, listExports, type ExportManifest } from "../../deliver/manifest.ts";
import { LabbookError } from "../../errors.ts";
import { shortVersion } from "../../lineage/version.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "exports",
  usage: "[--dir DIR] [--verify]",
  description:
    "List the exports under exports/ (or DIR), newest first, from their manifests: format, dataset, source version,\n" +
    "rows, files and options. With --verify, re-hash every file against its manifest and exit 1 naming any mismatch.",
  options: {
    dir: { type: "string", valueName: "DIR", description: "Where to look (default exports/)" },
    verify: { type: "boolean", description: "Re-hash each export's files against its manifest" },
  },
  examples: ["labbook exports", "labbook exports --dir /tmp/handover --verify", "labbook exports --json"],
  async run(ctx) {
    const root = path.resolve(stringOption(ctx.values, "dir") ?? path.join(ctx.config.root, "exports"));
    const listed = await listExports(root);
    const problems: string[] = [];
    const rows = [];
    for (const { dir, manifest: m } of listed) {
      const issues = ctx.values.verify ? await checkExport(dir, m) : [];
      problems.push(...issues.map((p) => `${path.relative(root, dir) || "."}/${p}`));
      rows.push({ dir, ...m, ...(ctx.values.verify ? { ok: issues.length === 0 } : {}) });
    }
    if (ctx.json) printJson(ctx, rows);
    else if (rows.length === 0) ctx.log.info(`no exports under ${root}`);
    else
      ctx.out(
        formatTable(
          ["format", "dataset", "version", "rows", "files", "options", "created", "path"],
          rows.map((r) => [
            r.format,
            r.dataset,
            shortVersion(r.version),
            r.rowCount,
            r.files.length,
            describe(r.options),
            r.createdAt,
            path.relative(process.cwd(), r.dir) || ".",
          ]),
        ),
      );
    if (problems.length)
      throw new LabbookError(`exports do not match their manifests: ${problems[0]}`, {
        code: "E_INTEGRITY",
        details: problems,
      });
  },
});

function describe(o: ExportManifest["options"]): string {
  const parts = o.filters.map((f) => `${f.column}=${f.values.join(",")}`);
  if (o.partitionBy) parts.push(`by ${o.partitionBy.column}`);
  if (o.compression && o.compression !== "zstd") parts.push(o.compression);
  if (o.bom === false) parts.push("no BOM");
  return parts.join(" ") || "-";
}
