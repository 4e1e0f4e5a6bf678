import { sqlString } from "../../sql-quote.ts";
import type { CheckModule } from "../check.ts";
import type { SettledRowsChangedCheck } from "../../datasets/check-spec.ts";
import { against, baselineOf } from "./_drift.ts";
import { parseMaxAge } from "./freshness.ts";

const instant = (ms: number) => `TIMESTAMPTZ ${sqlString(new Date(ms).toISOString())}`;

/**
 * One row per primary key whose row in the settled range (`column` before the reference minus `olderThan`) was
 * deleted or changed (any column, NULLs equal) since the compared version; with `added`, also keys new there. Exact:
 * rows are matched on the primary key, as `labbook diff` does.
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
    const key = t.def.primaryKey;
    const on = key.map((k) => `c.${t.col(k)} = p.${b.col(k)}`).join(" AND ");
    const columns = Object.keys(t.def.schema.shape);
    // Columns the compared version lacks cannot have changed value: a schema change is schema_unchanged's business.
    const compared = columns.filter((c) => {
      try {
        b.col(c);
        return true;
      } catch {
        return false;
      }
    });
    const differs = compared.map((c) => `c.${t.col(c)} IS DISTINCT FROM p.${t.col(c)}`).join(" OR ");
    const keyOut = key.map((k) => `coalesce(c.${t.col(k)}, p.${t.col(k)}) AS ${t.col(k)}`).join(", ");
    const settled = (alias: string) => `${alias}.${col} < (SELECT cutoff FROM bound)`;
    const kinds = [
      `p.${col} IS NOT NULL AND ${settled("p")} AND c.${t.col(key[0]!)} IS NULL`,
      `p.${col} IS NOT NULL AND ${settled("p")} AND c.${t.col(key[0]!)} IS NOT NULL AND (${differs})`,
      ...(spec.added ? [`c.${col} IS NOT NULL AND ${settled("c")} AND p.${t.col(key[0]!)} IS NULL`] : []),
    ];
    return {
      sql: `WITH bound AS (SELECT ${cutoff} AS cutoff)
        SELECT ${keyOut}, CASE WHEN c.${t.col(key[0]!)} IS NULL THEN 'deleted' WHEN p.${t.col(key[0]!)} IS NULL THEN 'added'
          ELSE 'changed' END AS change, coalesce(p.${col}, c.${col}) AS ${col}
        FROM ${t.rows} AS c FULL OUTER JOIN ${b.rows} AS p ON ${on}
        WHERE ${kinds.map((k) => `(${k})`).join(" OR ")}`,
      detail:
        `rows with ${spec.column} older than ${spec.olderThan} before ${reference === "ingest" ? "the version's creation" : reference === "now" ? "the clock" : `the newest ${spec.column}`}` +
        ` unchanged ${against(t)}`,
    };
  },
};
