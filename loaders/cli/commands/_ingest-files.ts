import path from "node:path";
import { getDataset, makerCommand } from "../../datasets/index.ts";
import { usageError } from "../../errors.ts";
import { ingestFiles } from "../../ingest/files.ts";
import type { ValidationMode } from "../../ingest/validate.ts";
import { shortVersion } from "../../lineage/version.ts";
import { stringOption } from "../args.ts";
import { printJson, type CommandContext } from "../command.ts";

/** `labbook ingest <dataset> --from <glob>`, or a file-source dataset named without --from. */
export function wantsFiles(ctx: CommandContext): boolean {
  if (ctx.values.from !== undefined) return true;
  return ctx.positionals.length > 0 && ctx.positionals.every((n) => getDataset(n).source?.kind === "files");
}

const POSTGRES_ONLY = ["days", "since", "until", "user-id", "sync-duckdb", "all"];

export async function ingestFilesCommand(ctx: CommandContext): Promise<void> {
  const given = POSTGRES_ONLY.filter((o) => ctx.values[o] !== undefined);
  if (given.length) throw usageError(`labbook ingest: --${given[0]} does not apply to file sources`);
  if (ctx.positionals.length !== 1) throw usageError("labbook ingest --from: name one file-source dataset");
  const def = getDataset(ctx.positionals[0]!);
  if (def.source?.kind !== "files") {
    throw usageError(`labbook ingest: ${def.name} does not read files`, [
      def.derive || def.produced
        ? `Its versions are made by "${makerCommand(def)}".`
        : `It is a PostgreSQL source: drop --from.`,
    ]);
  }
  const from = stringOption(ctx.values, "from");
  // --from is what the user typed, so relative to where they are; a defaultGlob is relative to the project.
  const pattern = from
    ? path.resolve(from)
    : def.source.defaultGlob
      ? path.resolve(ctx.config.root, def.source.defaultGlob)
      : undefined;
  if (!pattern) throw usageError(`labbook ingest: ${def.name} has no default files; give --from <glob>`);
  if (ctx.values["non-strict"] && ctx.values["no-validate"])
    throw usageError("--non-strict and --no-validate exclude each other");
  const validation: ValidationMode = ctx.values["no-validate"]
    ? "skipped"
    : ctx.values["non-strict"]
      ? "non-strict"
      : "strict";
  const result = await ingestFiles(def, pattern, ctx.config, { validation, log: ctx.log, signal: ctx.signal });
  if (ctx.json) return printJson(ctx, [result]);
  ctx.out(
    `${result.dataset}@${shortVersion(result.version)}  ${result.rowCount} rows  ${result.size} bytes  ` +
      `${result.stored ? "new" : "unchanged"}  from ${result.files.length} files`,
  );
}
