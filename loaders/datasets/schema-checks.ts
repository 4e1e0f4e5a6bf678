import type { z } from "zod";
import { checkName, type CheckSpec } from "./check-spec.ts";
import { compileSchema } from "./rules.ts";

/**
 * Why a source dataset's schema is also checked: validation at ingest enforces it, but `--no-validate` skips it and
 * `--non-strict` keeps the rows that break it, so a stored version may not hold to its schema.
 */
const WHY = "an ingest with --no-validate or --non-strict may store rows that break it.";

/**
 * The checks a schema implies, generated so that no definition restates them: one `not_null` over every column that
 * is not nullable, an `accepted_values` per enum column, and an `in_range` per column with inclusive bounds (an
 * exclusive bound stays a validation rule only). Names are the checks' default ones, in schema order.
 */
export function schemaChecks(schema: z.ZodObject): CheckSpec[] {
  const columns = compileSchema(schema);
  const required = columns.filter((c) => !c.nullable).map((c) => c.name);
  const out: CheckSpec[] = [];
  if (required.length)
    out.push({
      type: "not_null",
      columns: required,
      description: `From the schema: these columns are required; ${WHY}`,
    });
  for (const c of columns) {
    if (c.values)
      out.push({
        type: "accepted_values",
        column: c.name,
        values: c.values,
        description: `From the schema: one of ${c.values.join(", ")}; ${WHY}`,
      });
  }
  for (const c of columns) {
    if (!c.range) continue;
    const { min, max } = c.range;
    const bounds = [min !== undefined && `at least ${min}`, max !== undefined && `at most ${max}`].filter(Boolean);
    out.push({
      type: "in_range",
      column: c.name,
      ...c.range,
      description: `From the schema: ${bounds.join(" and ")}; ${WHY}`,
    });
  }
  return out;
}

/**
 * A source dataset's checks: those its schema implies, then those it declares. A declared check that restates the
 * schema is refused, so each rule is written once: a `not_null` on a required column, an `accepted_values` on an enum
 * column, an `in_range` on a column the schema bounds. (A stricter rule the schema does not hold, such as the
 * outcomes the pages know among a text column's values, is declared as before.)
 */
export function withSchemaChecks(dataset: string, schema: z.ZodObject, declared: CheckSpec[] = []): CheckSpec[] {
  const columns = new Map(compileSchema(schema).map((c) => [c.name, c]));
  const restated = (spec: CheckSpec): string | undefined => {
    if (spec.type === "not_null") {
      const required = spec.columns.filter((name) => columns.get(name)?.nullable === false);
      return required.length ? `the schema requires ${required.join(", ")}` : undefined;
    }
    if (spec.type === "accepted_values" && columns.get(spec.column)?.values)
      return `the schema lists ${spec.column}'s values`;
    if (spec.type === "in_range" && columns.get(spec.column)?.range) return `the schema bounds ${spec.column}`;
    return undefined;
  };
  for (const spec of declared) {
    const why = restated(spec);
    if (why)
      throw new Error(
        `defineDataset ${dataset}: check ${checkName(spec)} restates the schema (${why}); ` +
          "that check is generated from the schema (loaders/datasets/schema-checks.ts)",
      );
  }
  return [...schemaChecks(schema), ...declared];
}
