import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import type { DatasetDef, FileSource } from "../datasets/define.ts";
import { compileSchema, rejectReasonSql, type CompiledColumn } from "../datasets/rules.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { openDuckDB, queryRows } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { customFacet, facet } from "../lineage/facets.ts";
import { readGitInfo } from "../lineage/git.ts";
import { buildRecord, type ValidationSummary } from "../lineage/record.ts";
import { checkStaged } from "../quality/staged.ts";
import { silentLogger, type Logger } from "../log.ts";
import { alreadyStoredMessage, commitVersion, rejectsPath } from "../store/commit.ts";
import { hashingStream, spillDir, tempPath, type StagedFile } from "../store/objects.ts";
import { parquetSchema, stageQuery } from "../store/parquet.ts";
import { shortVersion } from "../lineage/version.ts";
import type { FileRecord } from "./file-record.ts";
import type { IngestResult } from "./postgres.ts";
import { readCsv } from "./read-csv.ts";
import { readNdjson } from "./read-ndjson.ts";
import type { ValidationMode } from "./validate.ts";

export interface FileIngestOptions {
  validation?: ValidationMode;
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
}

export interface SourceFile {
  /** Relative to the project root when inside it. */
  name: string;
  sha256: string;
  size: number;
  records: number;
}

export type FileIngestResult = IngestResult & { files: SourceFile[] };

const FORMATS: Record<string, FileSource["format"]> = {
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".json": "ndjson",
  ".csv": "csv",
};

/** How many malformed lines an error message lists. */
const SHOWN = 5;

/**
 * Ingests NDJSON and CSV files into one version of a file-source dataset. Each file is read once, streaming: it is
 * hashed (its sha256 is its version in the lineage) and parsed line by line into DuckDB as text, with its file and
 * line. DuckDB then types the values and applies the dataset's rules, so every malformed line is reported as
 * file:line with the reason. Strict mode writes nothing if any line is malformed; non-strict keeps those lines, as
 * read, in the rejects file.
 */
export async function ingestFiles(
  def: DatasetDef,
  pattern: string,
  config: Config,
  options: FileIngestOptions = {},
): Promise<FileIngestResult> {
  const source = def.source;
  if (source?.kind !== "files") {
    throw new LabbookError(`${def.name} is not a file-source dataset`, { code: "E_USAGE" });
  }
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const mode = options.validation ?? "strict";
  const startedAt = clock();
  const columns = compileSchema(def.schema);
  const display = (file: string) => {
    const rel = path.relative(config.root, file);
    return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel.split(path.sep).join("/");
  };
  const staged: StagedFile[] = [];
  // The lines are staged in a database file, not in memory, so memory stays bounded by DuckDB's limit.
  const dbFile = await tempPath(config.dataDir, ".duckdb");
  const { instance, con } = await openDuckDB({ path: dbFile, tempDir: spillDir(config.dataDir) });
  try {
    const files = await expandGlob(con, pattern);
    if (files.length === 0) {
      throw new LabbookError(`no files match ${display(pattern)}`, {
        code: "E_NOT_FOUND",
        details: ["Give a glob of NDJSON (.ndjson, .jsonl) or CSV (.csv) files with --from."],
      });
    }
    const read = await loadRaw(con, files, columns, source.format, display, options.signal, log);
    const fatal = read.fatal;
    if (fatal) throw new LabbookError(`cannot read ${fatal}`, { code: "E_VALIDATION" });

    await con.run(typedView(columns, mode));
    const [counts] = await queryRows<{ total: number; rejected: number }>(
      con,
      `SELECT count(*) AS total, count(*) FILTER (WHERE _reason IS NOT NULL) AS rejected FROM checked`,
    );
    const total = Number(counts!.total);
    const rejected = Number(counts!.rejected);
    if (rejected > 0 && mode !== "non-strict") {
      const first = await queryRows<{ _file: string; _line: number; _reason: string }>(
        con,
        `SELECT _file, _line, _reason FROM checked WHERE _reason IS NOT NULL ORDER BY _file, _line LIMIT ${SHOWN}`,
      );
      throw new LabbookError(
        `validation failed for ${def.name}: ${rejected} of ${total} lines are malformed or invalid`,
        {
          code: "E_VALIDATION",
          details: [
            ...first.map((r) => `${r._file}:${r._line}: ${r._reason}`),
            ...(rejected > SHOWN ? [`… and ${rejected - SHOWN} more`] : []),
            "No version was written. Use --non-strict to version the valid lines and keep the rest in a rejects file.",
          ],
        },
      );
    }
    const names = columns.map((c) => quoteIdent(c.name)).join(", ");
    const order = [...def.sortKey, ...def.primaryKey.filter((k) => !def.sortKey.includes(k))].map(quoteIdent);
    const select = `SELECT ${names} FROM checked WHERE _reason IS NULL ORDER BY ${order.join(", ")}`;
    const final = await stageQuery(con, config.dataDir, select);
    staged.push(final);
    let rejects: StagedFile | undefined;
    if (rejected > 0) {
      rejects = await stageQuery(
        con,
        config.dataDir,
        `SELECT r._file, r._line, ${columns.map((c) => `r.${quoteIdent(c.name)}`).join(", ")}, r._raw,
           k._reason AS _reject_reason
         FROM raw r JOIN checked k USING (_file, _line) WHERE k._reason IS NOT NULL ORDER BY r._file, r._line`,
      );
      staged.push(rejects);
      log.warn(`${def.name}: ${rejected} malformed or invalid lines written to the rejects file`);
    }
    options.signal?.throwIfAborted();

    const nulls = await queryRows<Record<string, number>>(
      con,
      `SELECT ${columns.map((c, i) => `count(*) - count(${quoteIdent(c.name)}) AS n${i}`).join(", ")}
       FROM checked WHERE _reason IS NULL`,
    );
    const validation: ValidationSummary = {
      mode,
      rowsRead: total,
      rowsValid: total - rejected,
      rowsRejected: rejected,
      nullsPerColumn: Object.fromEntries(columns.map((c, i) => [c.name, Number(nulls[0]![`n${i}`])])),
      ...(rejects
        ? {
            rejects: {
              path: path.relative(config.dataDir, rejectsPath(config.dataDir, def.name, final.version)),
              sha256: rejects.version,
              rows: rejected,
            },
          }
        : {}),
    };
    const quality = await checkStaged(con, config, def, final, { createdAt: startedAt, clock });
    const record = buildRecord({
      job: `ingest.${def.name}`,
      dataset: def.name,
      version: final.version,
      rowCount: total - rejected,
      size: final.size,
      fields: await parquetSchema(con, final.path),
      inputs: read.files.map((f) => ({
        namespace: "file",
        name: f.name,
        facets: {
          version: facet("version", { datasetVersion: f.sha256 }),
          labbook_file: customFacet("labbook_file", { size: f.size, records: f.records }),
        },
      })),
      dataSource: { name: "files", uri: `file:${display(pattern)}` },
      sql: `${typedView(columns, mode)};\n${select}`,
      parameters: { dataset: def.name, from: display(pattern), files: read.files.length, validation: mode },
      git: await readGitInfo(config.root),
      sourcePath: "loaders/ingest/files.ts",
      startedAt,
      endedAt: clock(),
      validation,
      runFacets: quality ? { labbook_quality: quality } : {},
    });
    const committed = await commitVersion(config, def.name, final, record, rejects);
    staged.length = 0;
    log.info(
      committed.stored
        ? `${def.name}: new version ${shortVersion(final.version)} (${total - rejected} rows from ${read.files.length} files)`
        : alreadyStoredMessage(def.name, final.version, committed),
    );
    return {
      dataset: def.name,
      version: final.version,
      rowCount: total - rejected,
      size: final.size,
      stored: committed.stored,
      reproduced: committed.reproduced,
      validation,
      rejectsPath: committed.rejectsPath,
      warnings: [],
      files: read.files,
    };
  } finally {
    con.closeSync();
    instance.closeSync();
    await Promise.all([
      ...staged.map((s) => s.discard()),
      rm(dbFile, { force: true }),
      rm(`${dbFile}.wal`, { force: true }),
    ]);
  }
}

/** Files matching a glob, sorted; the pattern is a bound parameter, never SQL text. */
async function expandGlob(con: DuckDBConnection, pattern: string): Promise<string[]> {
  const reader = await con.runAndReadAll("SELECT file FROM glob($1) ORDER BY file", [pattern]);
  return reader.getRowObjectsJS().map((r) => String(r.file));
}

/** Streams every file into the table `raw` (all text), hashing each on the same read. */
async function loadRaw(
  con: DuckDBConnection,
  files: string[],
  columns: CompiledColumn[],
  fallback: FileSource["format"],
  display: (file: string) => string,
  signal: AbortSignal | undefined,
  log: Logger,
): Promise<{ files: SourceFile[]; fatal?: string }> {
  const names = columns.map((c) => c.name);
  await con.run(
    `CREATE TABLE raw (_file VARCHAR, _line BIGINT, _error VARCHAR, _raw VARCHAR, ${names.map((n) => `${quoteIdent(n)} VARCHAR`).join(", ")})`,
  );
  const appender = await con.createAppender("raw");
  const out: SourceFile[] = [];
  try {
    for (const file of files) {
      signal?.throwIfAborted();
      const name = display(file);
      const format = FORMATS[path.extname(file).toLowerCase()] ?? fallback;
      log.progress(`reading ${name}`);
      const hasher = hashingStream();
      const input = createReadStream(file).pipe(hasher.stream);
      const records: AsyncIterable<FileRecord> = format === "csv" ? readCsv(input, names) : readNdjson(input, names);
      let count = 0;
      for await (const r of records) {
        if (r.fatal) return { files: out, fatal: `${name}:${r.line}: ${r.error}` };
        count++;
        appender.appendVarchar(name);
        appender.appendBigInt(BigInt(r.line));
        for (const v of [r.error, r.raw, ...names.map((n) => r.values?.[n])]) {
          if (v === undefined || v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        appender.endRow();
      }
      const { version, size } = hasher.digest();
      out.push({ name, sha256: version, size, records: count });
    }
    return { files: out };
  } finally {
    appender.closeSync();
  }
}

/** Text → the column's type; whole numbers must look like whole numbers (DuckDB would round "1.5"). */
function castExpr(c: CompiledColumn): string {
  const raw = `raw.${quoteIdent(c.name)}`;
  if (c.duckdbType === "VARCHAR") return raw;
  if (c.duckdbType === "INTEGER" || c.duckdbType === "BIGINT") {
    return `CASE WHEN regexp_full_match(trim(${raw}), '[-+]?[0-9]+') THEN TRY_CAST(trim(${raw}) AS ${c.duckdbType}) END`;
  }
  return `TRY_CAST(${raw} AS ${c.duckdbType})`;
}

/**
 * The views `checked` reads from: typed columns and `_reason`, which names the first thing wrong with a line: it
 * could not be parsed, a value could not be typed, or (unless validation is skipped) the row breaks a rule.
 */
function typedView(columns: CompiledColumn[], mode: ValidationMode): string {
  const castReasons = columns
    .filter((c) => c.duckdbType !== "VARCHAR")
    .map((c) => {
      const raw = `raw.${quoteIdent(c.name)}`;
      return `CASE WHEN ${raw} IS NOT NULL AND (${castExpr(c)}) IS NULL THEN ${sqlString(`${c.name}: cannot read `)} || to_json(left(${raw}, 60)) || ${sqlString(` as ${c.duckdbType}`)} END`;
    });
  const typed = columns.map((c) => `${castExpr(c)} AS ${quoteIdent(c.name)}`).join(",\n  ");
  const rules = mode === "skipped" ? "NULL" : rejectReasonSql(columns);
  return `CREATE OR REPLACE VIEW checked AS
WITH typed AS (
  SELECT _file, _line, NULLIF(concat_ws('; ', _error${castReasons.map((r) => `, ${r}`).join("")}), '') AS _parse,
  ${typed}
  FROM raw
)
SELECT *, coalesce(_parse, ${rules}) AS _reason FROM typed`;
}
