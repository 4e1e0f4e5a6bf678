import { sqlString } from "../../sql-quote.ts";
import { shortVersion } from "../../lineage/version.ts";
import type { CheckModule } from "../check.ts";
import type { SchemaUnchangedCheck } from "../../datasets/check-spec.ts";

/**
 * One row per column added, removed or retyped since the previous version (column, change, previous type, type). A
 * first version has nothing to compare with and passes.
 */
export const schemaUnchanged: CheckModule<SchemaUnchangedCheck> = {
  compile(_spec, t) {
    const current = `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM ${t.rows})`;
    if (!t.previous)
      return { sql: `SELECT * FROM (${current}) WHERE false`, detail: "first version: nothing to compare" };
    const fields = t.previous.fields;
    // Types come from the previous version's lineage record: bound as quoted literals like any other value.
    const previous = fields.length
      ? `SELECT * FROM (VALUES ${fields.map((f) => `(${sqlString(f.name)}, ${sqlString(f.type)})`).join(", ")}) AS v(name, type)`
      : `SELECT NULL::VARCHAR AS name, NULL::VARCHAR AS type WHERE false`;
    return {
      sql: `SELECT coalesce(cur.name, prev.name) AS "column",
          CASE WHEN prev.name IS NULL THEN 'added' WHEN cur.name IS NULL THEN 'removed' ELSE 'retyped' END AS change,
          prev.type AS "previousType", cur.type AS "type"
        FROM (${current}) AS cur FULL OUTER JOIN (${previous}) AS prev ON cur.name = prev.name
        WHERE prev.name IS NULL OR cur.name IS NULL OR cur.type <> prev.type`,
      detail: `compared with ${shortVersion(t.previous.version)}`,
    };
  },
};
