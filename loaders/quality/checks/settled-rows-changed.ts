import { sqlString } from "../../sql-quote.ts";
import { SkipCheck, type CheckModule } from "../check.ts";
import type { SettledRowsChangedCheck } from "../../datasets/check-spec.ts";
import { against, baselineOf } from "./_drift.ts";
import { parseMaxAge } from "./freshness.ts";

const instant = (ms: number) => `TIMESTAMPTZ ${sqlString(new Date(ms).toISOString())}`;

/**
 * One row per primary key whose row in the settled range (`column` before the reference minus `olderThan`) was
 * deleted or changed (any column, NULLs equal) since the compared version; with `added`, also keys new there. Exact:
 * rows are matched on the primary key, as `labbook diff` does. Only the rows of days (of `column`) whose digests,
 * the row count and the sum of row hashes of the settled rows, differ between the versions are joined. Only the
 * objects the versions do not share are read, but for the settled range's bound: a shared object adds the same rows
 * to both sides, so leaving it out changes no day's digest, and a row of it pairs with itself, the same key and
 * values in both, which never counts (keys are unique). An incremental version that reused all but two partitions
 * reads two, and the compared version's two.
 */
export const settledRowsChanged: CheckModule<SettledRowsChangedCheck> = {
  drift: true,
  countsRows: true,
  compile(spec, t) {
    const b = baselineOf(t);
    const age = parseMaxAge(t, spec.olderThan, "olderThan");
    const reference = spec.reference ?? "ingest";
    const col = t.col(spec.column);
    let cutoff: string;
    if (reference === "ingest") cutoff = instant(t.createdAt - age);
    else if (reference === "now") cutoff = instant(t.now - age);
    else if (reference === "newest") cutoff = `(SELECT max(${col}) FROM ${t.rows}) - to_milliseconds(${age})`;
    else return t.fail(`"reference" must be "ingest", "now" or "newest"`);
    // Skips, naming the column, when the compared version lacks it: no settled range or key to match on there.
    b.col(spec.column);
    const key = t.def.primaryKey.map((k) => b.col(k));
    const columns = Object.keys(t.def.schema.shape);
    // Columns the compared version lacks cannot have changed value: a schema change is schema_unchanged's business.
    const has = (c: string) => {
      try {
        b.col(c);
        return true;
      } catch (e) {
        if (e instanceof SkipCheck) return false;
        throw e;
      }
    };
    const missing = columns.filter((c) => !has(c));
    const compared = columns.filter(has).map((c) => t.col(c));
    const list = (alias: string, cols: string[]) => cols.map((c) => `${alias}.${c}`).join(", ");
    // A literal cutoff lets DuckDB filter rows as it reads them; only "newest" needs the query in `bound`.
    const below = reference === "newest" ? "(SELECT cutoff FROM bound)" : cutoff;
    const settled = (alias: string) => `${alias}.${col} < ${below}`;
    // The UTC day as a number: date_trunc on a TIMESTAMPTZ goes through the time zone, several times slower.
    const day = (alias: string) => `epoch_ms(CAST(${alias}.${col} AS TIMESTAMPTZ)) // 86400000`;
    // Each settled row with its day, +1 in this version and -1 in the compared one, and the hash of its values: a day
    // is unchanged when both sums are 0, in HUGEINT, which cannot overflow and does not depend on the rows' order.
    const signed = (rows: string, alias: string, sign: number) =>
      `SELECT ${day(alias)} AS day, ${sign} AS sign, hash(${list(alias, compared)}) AS h
        FROM ${rows} AS ${alias} WHERE ${settled(alias)}`;
    // A hash sees stored bits: -1 as INTEGER hashes as 4294967295 as UINTEGER. Unless both versions store every
    // compared column as the same type, every settled day is joined and the values are compared.
    const types = (rows: string, alias: string) =>
      `(SELECT [${compared.map((c) => `typeof(${alias}.${c})`).join(", ")}] FROM ${rows} AS ${alias} LIMIT 1)`;
    const inDays = (rows: string, alias: string) =>
      `SELECT ${alias}.* FROM ${rows} AS ${alias} WHERE ${settled(alias)} AND ${day(alias)} IN (SELECT day FROM days)`;
    // Rows outside the settled range (or without a time) whose key has a row in those days in the other version;
    // filtered in a subquery of their own, so that few rows reach the semi join.
    const movedFrom = (rows: string, alias: string, other: string, o: string) =>
      `SELECT ${alias}.*
        FROM (SELECT * FROM ${rows} AS ${alias} WHERE NOT coalesce(${settled(alias)}, false)) AS ${alias}
        SEMI JOIN (SELECT ${list(o, key)} FROM (${inDays(other, o)}) AS ${o}) AS k
          ON ${key.map((k) => `${alias}.${k} = k.${k}`).join(" AND ")}`;
    const on = key.map((k) => `c.${k} = p.${k}`).join(" AND ");
    const differs = compared.map((c) => `c.${c} IS DISTINCT FROM p.${c}`).join(" OR ");
    const keyOut = key.map((k) => `coalesce(c.${k}, p.${k}) AS ${k}`).join(", ");
    const kinds = [
      `p.${col} IS NOT NULL AND ${settled("p")} AND c.${key[0]} IS NULL`,
      `p.${col} IS NOT NULL AND ${settled("p")} AND c.${key[0]} IS NOT NULL AND (${differs})`,
      ...(spec.added ? [`c.${col} IS NOT NULL AND ${settled("c")} AND p.${key[0]} IS NULL`] : []),
    ];
    // For a key unique in both versions: a settled row changed or deleted lies in a day whose digest differs in the
    // compared version, and its new row in such a day of this one or outside the settled range (an added row alike,
    // the other way round), so joining these rows pairs every row that counts as joining both versions did.
    return {
      sql: `WITH bound AS (SELECT ${cutoff} AS cutoff),
        days AS (
          SELECT day FROM (${signed(b.ownRows, "c", 1)} UNION ALL ${signed(b.unshared, "p", -1)})
          GROUP BY day
          HAVING sum(sign) <> 0 OR sum(sign * h::HUGEINT) <> 0
            OR ${types(t.rows, "c")} IS DISTINCT FROM ${types(b.rows, "p")}),
        cur AS (${inDays(b.ownRows, "c")} UNION ALL ${movedFrom(b.ownRows, "c", b.unshared, "p")}),
        prev AS (${inDays(b.unshared, "p")}${spec.added ? ` UNION ALL ${movedFrom(b.unshared, "p", b.ownRows, "c")}` : ""})
        SELECT ${keyOut}, CASE WHEN c.${key[0]} IS NULL THEN 'deleted' WHEN p.${key[0]} IS NULL THEN 'added'
          ELSE 'changed' END AS change, coalesce(p.${col}, c.${col}) AS ${col}
        FROM cur AS c FULL OUTER JOIN prev AS p ON ${on}
        WHERE ${kinds.map((k) => `(${k})`).join(" OR ")}`,
      detail:
        `rows with ${spec.column} older than ${spec.olderThan} before ${reference === "ingest" ? "the version's creation" : reference === "now" ? "the clock" : `the newest ${spec.column}`}` +
        ` unchanged ${against(t)}` +
        (missing.length
          ? `; ${missing.join(", ")} not compared: the compared version lacks ${missing.length > 1 ? "them" : "it"}`
          : ""),
    };
  },
};
