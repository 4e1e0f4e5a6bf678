import { z } from "zod";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import type { ColumnMeta } from "./columns.ts";

/** What one column compiles to: its DuckDB type and the rules a value must pass. */
export interface CompiledColumn {
  name: string;
  duckdbType: "VARCHAR" | "INTEGER" | "BIGINT" | "DOUBLE" | "BOOLEAN" | "TIMESTAMPTZ" | "JSON" | "DATE";
  nullable: boolean;
  /** Marked with personId(): pages see it pseudonymized. */
  identifiesPerson: boolean;
  /** Each rule is a SQL predicate that holds for valid non-null values, and a human name for it. */
  rules: { sql: string; rule: string }[];
  /** An enum column's values, in their declared order. */
  values?: string[];
  /** Inclusive bounds (ISO timestamps for time columns); an exclusive bound is only in `rules`. */
  range?: { min?: number | string; max?: number | string };
}

type Def = { type: string; checks?: { _zod: { def: Record<string, unknown> } }[]; [k: string]: unknown };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;
const metaOf = (s: z.ZodType): ColumnMeta => (z.globalRegistry.get(s) as ColumnMeta | undefined) ?? {};

/**
 * Compiles a zod object schema to DuckDB column types and SQL rules. zod stays the one definition: the SQL is derived
 * from it, and a test checks both agree on edge values. Unsupported zod constructs throw, so nothing is skipped silently.
 */
export function compileSchema(schema: z.ZodObject): CompiledColumn[] {
  return Object.entries(schema.shape).map(([name, s]) => compileColumn(name, s as z.ZodType));
}

/** The columns of a schema that identify a person (declared with personId()). */
export function personColumns(schema: z.ZodObject): string[] {
  return compileSchema(schema)
    .filter((c) => c.identifiesPerson)
    .map((c) => c.name);
}

function compileColumn(name: string, schema: z.ZodType): CompiledColumn {
  let s = schema;
  let nullable = false;
  let meta: ColumnMeta = metaOf(s);
  while (defOf(s).type === "nullable" || defOf(s).type === "optional") {
    nullable = true;
    s = defOf(s).innerType as z.ZodType;
    meta = { ...metaOf(s), ...meta };
  }
  const def = defOf(s);
  const col = quoteIdent(name);
  const rules: CompiledColumn["rules"] = [];
  let values: string[] | undefined;
  let range: CompiledColumn["range"];
  const bounds = (toSql: (v: unknown) => string) => {
    for (const c of def.checks ?? []) {
      const d = c._zod.def;
      if ((d.check === "greater_than" || d.check === "less_than") && d.inclusive) {
        const v = d.value instanceof Date ? d.value.toISOString() : (d.value as number);
        range = { ...range, [d.check === "greater_than" ? "min" : "max"]: v };
      }
      if (d.check === "greater_than")
        rules.push({
          sql: `${col} ${d.inclusive ? ">=" : ">"} ${toSql(d.value)}`,
          rule: `${d.inclusive ? ">=" : ">"} ${fmt(d.value)}`,
        });
      else if (d.check === "less_than")
        rules.push({
          sql: `${col} ${d.inclusive ? "<=" : "<"} ${toSql(d.value)}`,
          rule: `${d.inclusive ? "<=" : "<"} ${fmt(d.value)}`,
        });
      // The one refinement SQL knows: "not in the future", declared by the timestamp() helper's metadata.
      else if (d.check === "custom" && def.type === "date" && meta.notFuture) continue;
      else throw new Error(`compileSchema: column ${name}: unsupported ${def.type} check ${String(d.check)}`);
    }
  };
  let duckdbType: CompiledColumn["duckdbType"];
  switch (def.type) {
    case "string": {
      // A format given as the schema itself (z.email(), z.uuid()) is not among the checks; only ISO dates compile.
      if (def.format !== undefined && def.format !== "date")
        throw new Error(`compileSchema: column ${name}: unsupported string format ${String(def.format)}`);
      duckdbType = meta.json ? "JSON" : def.format === "date" ? "DATE" : "VARCHAR";
      for (const c of def.checks ?? []) {
        const d = c._zod.def;
        if (d.check === "string_format" && d.format === "regex") {
          const re = d.pattern as RegExp;
          // RE2 would read the pattern without the flags, so a flagged pattern would mean something else in SQL.
          if (re.flags) throw new Error(`compileSchema: column ${name}: unsupported regex flags /${re.flags}`);
          rules.push({
            sql: `regexp_full_match(${col}, ${sqlString(re.source.replace(/^\^|\$$/g, ""))})`,
            rule: `matches ${re}`,
          });
        } else if (d.check === "min_length")
          rules.push({ sql: `length(${col}) >= ${d.minimum}`, rule: `length >= ${d.minimum}` });
        else if (d.check === "string_format" && d.format === "date") continue;
        else throw new Error(`compileSchema: column ${name}: unsupported string check ${String(d.check)}`);
      }
      break;
    }
    case "enum": {
      duckdbType = "VARCHAR";
      values = Object.values(def.entries as Record<string, string>);
      rules.push({ sql: `${col} IN (${values.map(sqlString).join(", ")})`, rule: `one of ${values.join(", ")}` });
      break;
    }
    case "number": {
      const isInt = def.format === "safeint" || def.format === "int32";
      duckdbType = isInt ? "INTEGER" : "DOUBLE";
      bounds(String);
      if (!isInt) rules.push({ sql: `isfinite(${col})`, rule: "finite" });
      break;
    }
    case "bigint":
      duckdbType = "BIGINT";
      bounds(String);
      break;
    case "boolean":
      duckdbType = "BOOLEAN";
      break;
    case "date": {
      duckdbType = "TIMESTAMPTZ";
      bounds((v) => `TIMESTAMPTZ ${sqlString((v as Date).toISOString())}`);
      if (meta.notFuture) rules.push({ sql: `${col} <= now()`, rule: "not in the future" });
      break;
    }
    case "lazy":
      duckdbType = "JSON";
      break;
    default:
      throw new Error(`compileSchema: column ${name}: unsupported zod type ${def.type}`);
  }
  if (!nullable) rules.unshift({ sql: `${col} IS NOT NULL`, rule: "not null" });
  return {
    name,
    duckdbType,
    nullable,
    identifiesPerson: meta.identifiesPerson === true,
    rules,
    ...(values ? { values } : {}),
    ...(range ? { range } : {}),
  };
}

function fmt(v: unknown): string {
  return v instanceof Date ? v.toISOString() : String(v);
}

/** A SQL condition true for a row that breaks any rule: what `rejectReasonSql` tests, without building the text. */
export function breaksRulesSql(columns: CompiledColumn[]): string {
  const failing = columns.flatMap((c) => c.rules.map((r) => failingSql(c.name, r.rule, r.sql)));
  return failing.length ? failing.map((f) => `(${f})`).join(" OR ") : "false";
}

/** A SQL condition true for a row whose `column` breaks one rule. */
export function failingSql(column: string, rule: string, sql: string): string {
  const col = quoteIdent(column);
  return rule === "not null" ? `${col} IS NULL` : `${col} IS NOT NULL AND NOT (${sql})`;
}

/**
 * A SQL expression naming every rule a row breaks ("column: rule; …"), or NULL for a valid row.
 * Null checks come first; other rules only apply to non-null values.
 */
export function rejectReasonSql(columns: CompiledColumn[]): string {
  const parts = columns.flatMap((c) =>
    c.rules.map((r) => `CASE WHEN ${failingSql(c.name, r.rule, r.sql)} THEN ${sqlString(`${c.name}: ${r.rule}`)} END`),
  );
  return parts.length ? `NULLIF(concat_ws('; ', ${parts.join(", ")}), '')` : "NULL";
}
