import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { getDataset } from "../datasets/index.ts";
import { quoteIdent } from "../sql-quote.ts";
import { parquet, queryRows, withDuckDB } from "../duckdb.ts";
import { usageError } from "../errors.ts";
import { findVersion } from "../lineage/catalog.ts";
import { requireFiles } from "./files.ts";
import { readManifest } from "./manifest.ts";
import { objectPath } from "./objects.ts";
import { parquetRowCount, parquetSchema } from "./parquet.ts";
import { shortVersion } from "../lineage/version.ts";

export interface Field {
  name: string;
  type: string;
}

/** A primary key value: the value itself for a one-column key, the values in key order for a composite key. */
export type KeyValue = string | null | (string | null)[];

export interface RowDiff {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** Column → rows whose value differs, for columns in both versions. */
  changedColumns: Record<string, number>;
  examples: { added: KeyValue[]; removed: KeyValue[]; changed: KeyValue[] };
}

export interface DiffResult {
  dataset: string;
  from: { version: string; rows: number };
  to: { version: string; rows: number };
  schema: { added: Field[]; removed: Field[]; retyped: { name: string; from: string; to: string }[] };
  key: string[];
  rows: RowDiff;
}

export interface DiffOptions {
  /** Key columns; the dataset definition's primary key by default. */
  key?: string[];
  /** How many example keys of each kind (default 5). */
  examples?: number;
}

/** Compares two versions of a dataset in DuckDB: schema changes, row counts, and rows added, removed or changed. */
export async function diffVersions(
  config: Config,
  dataset: string,
  fromRef: string | undefined,
  toRef: string | undefined,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const [from, to] = await Promise.all([fromRef, toRef].map((r) => findVersion(config.lineageDir, dataset, r)));
  const files: string[][] = [];
  for (const e of [from!, to!])
    files.push(
      await requireFiles(config.dataDir, e.version, dataset, ['Pin it and run "labbook pull", or re-create it.']),
    );
  const primaryKey = getDataset(dataset).primaryKey;
  const key = options.key ?? primaryKey;
  return withDuckDB(async (con) => {
    const [a, b] = await Promise.all(files.map((f) => parquetSchema(con, f)));
    for (const k of key) {
      if (!a!.some((f) => f.name === k) || !b!.some((f) => f.name === k))
        throw usageError(`key column "${k}" is not in both versions of ${dataset}`, [
          "Pass --key with columns both versions have.",
        ]);
    }
    const schema = compareSchemas(a!, b!);
    // Partitions whose object both versions share hold the same rows in both: only the others are compared.
    const shared = await sharedPartitions(config.dataDir, dataset, from!.version, to!.version);
    const view = async (name: string, all: string[]) => {
      const rest = all.filter((f) => !shared.files.has(f));
      const where = rest.length ? "" : " LIMIT 0";
      await con.run(`CREATE VIEW ${name} AS SELECT * FROM ${parquet(rest.length ? rest : all)}${where}`);
    };
    await view("a", files[0]!);
    await view("b", files[1]!);
    await assertUniqueKey(con, "a", key, `${dataset}@${shortVersion(from!.version)}`, primaryKey);
    await assertUniqueKey(con, "b", key, `${dataset}@${shortVersion(to!.version)}`, primaryKey);
    const common = a!.filter((f) => !key.includes(f.name) && b!.some((g) => g.name === f.name));
    const rows = await compareRows(
      con,
      key,
      common,
      schema.retyped.map((r) => r.name),
      options.examples ?? 5,
    );
    rows.unchanged += shared.rows;
    return {
      dataset,
      from: { version: from!.version, rows: await parquetRowCount(con, files[0]!) },
      to: { version: to!.version, rows: await parquetRowCount(con, files[1]!) },
      schema,
      key,
      rows,
    };
  });
}

/** The partition objects two partitioned versions share, and their rows; none unless both are partitioned. */
async function sharedPartitions(dataDir: string, dataset: string, a: string, b: string) {
  const [ma, mb] = await Promise.all([a, b].map((v) => readManifest(dataDir, v, dataset)));
  if (!ma || !mb) return { files: new Set<string>(), rows: 0 };
  const inB = new Set(mb.partitions.map((p) => p.object));
  const both = ma.partitions.filter((p) => inB.has(p.object));
  return {
    files: new Set(both.map((p) => objectPath(dataDir, p.object))),
    rows: both.reduce((n, p) => n + p.rows, 0),
  };
}

/**
 * Refuses a key that does not name one row per value in a version (a NULL or a duplicated value): rows would then
 * match several rows or none, and the counts would be meaningless.
 */
async function assertUniqueKey(
  con: DuckDBConnection,
  view: string,
  key: string[],
  label: string,
  primaryKey: string[],
): Promise<void> {
  const cols = key.map(quoteIdent);
  const shown = `(${key.join(", ")})`;
  const hint =
    key.join() === primaryKey.join()
      ? `The primary key of a dataset should be unique: "labbook check ${label}" lists its duplicates.`
      : `Pass a --key whose values are unique and never NULL, such as the primary key (${primaryKey.join(", ")}).`;
  const [nulls] = await queryRows<{ n: bigint }>(
    con,
    `SELECT count(*) AS n FROM ${view} WHERE ${cols.map((c) => `${c} IS NULL`).join(" OR ")}`,
  );
  const n = Number(nulls!.n);
  if (n > 0) throw usageError(`key ${shown} is NULL in ${n} row${n === 1 ? "" : "s"} of ${label}`, [hint]);
  const [dup] = await queryRows<{ value: string; n: bigint }>(
    con,
    `SELECT concat_ws(', ', ${cols.map((c) => `${c}::VARCHAR`).join(", ")}) AS value, count(*) AS n
      FROM ${view} GROUP BY ${cols.join(", ")} HAVING count(*) > 1 ORDER BY n DESC, value LIMIT 1`,
  );
  if (dup) {
    const value = key.length === 1 ? JSON.stringify(dup.value) : `(${dup.value})`;
    throw usageError(`key ${shown} is not unique in ${label}: ${value} occurs ${dup.n} times`, [hint]);
  }
}

export function compareSchemas(a: Field[], b: Field[]): DiffResult["schema"] {
  const inA = new Map(a.map((f) => [f.name, f.type]));
  const inB = new Map(b.map((f) => [f.name, f.type]));
  return {
    added: b.filter((f) => !inA.has(f.name)),
    removed: a.filter((f) => !inB.has(f.name)),
    retyped: a
      .filter((f) => inB.has(f.name) && inB.get(f.name) !== f.type)
      .map((f) => ({ name: f.name, from: f.type, to: inB.get(f.name)! })),
  };
}

/** Column names come from the Parquet schemas and the dataset definition, and are quoted as identifiers. */
async function compareRows(
  con: DuckDBConnection,
  key: string[],
  common: Field[],
  retyped: string[],
  limit: number,
): Promise<RowDiff> {
  const keys = key.map(quoteIdent).join(", ");
  const keyText = key.map((k, i) => `${quoteIdent(k)}::VARCHAR AS k${i}`).join(", ");
  // Retyped columns compare as text: the values may still be equal across the type change.
  const differs = common.map((f) => {
    const [x, y] = ["a", "b"].map((t) => `${t}.${quoteIdent(f.name)}${retyped.includes(f.name) ? "::VARCHAR" : ""}`);
    return `(${x} IS DISTINCT FROM ${y})`;
  });
  const flags = differs.map((d, i) => `${d} AS d${i}`);
  const anyDiffers = differs.length ? common.map((_, i) => `d${i}`).join(" OR ") : "false";
  await con.run(
    `CREATE TEMP TABLE both_keys AS SELECT ${[keyText, ...flags].join(", ")} FROM a JOIN b USING (${keys})`,
  );
  const [counts] = await queryRows<Record<string, number>>(
    con,
    `SELECT count(*) AS matched, count(*) FILTER (WHERE ${anyDiffers}) AS changed` +
      common.map((_, i) => `, count(*) FILTER (WHERE d${i}) AS c${i}`).join("") +
      ` FROM both_keys`,
  );
  const count = async (sql: string) => Number((await queryRows<{ n: number }>(con, sql))[0]!.n);
  const sample = async (sql: string): Promise<KeyValue[]> => {
    const rows = await queryRows<Record<string, string | null>>(con, `${sql} ORDER BY ALL LIMIT ${limit}`);
    return rows.map((r) => (key.length === 1 ? r.k0! : key.map((_, i) => r[`k${i}`]!)));
  };
  const added = `SELECT ${keyText} FROM b ANTI JOIN a USING (${keys})`;
  const removed = `SELECT ${keyText} FROM a ANTI JOIN b USING (${keys})`;
  const keyCols = key.map((_, i) => `k${i}`).join(", ");
  const changedColumns: Record<string, number> = {};
  common.forEach((f, i) => {
    const n = Number(counts![`c${i}`]);
    if (n > 0) changedColumns[f.name] = n;
  });
  return {
    added: await count(`SELECT count(*) AS n FROM (${added})`),
    removed: await count(`SELECT count(*) AS n FROM (${removed})`),
    changed: Number(counts!.changed),
    unchanged: Number(counts!.matched) - Number(counts!.changed),
    changedColumns,
    examples: {
      added: await sample(added),
      removed: await sample(removed),
      changed: await sample(`SELECT ${keyCols} FROM both_keys WHERE ${anyDiffers}`),
    },
  };
}
