import type { DuckDBConnection } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { datasets } from "../../loaders/datasets/index.ts";
import { breaksRulesSql, compileSchema, rejectReasonSql, type CompiledColumn } from "../../loaders/datasets/rules.ts";
import { sqlString } from "../../loaders/sql-quote.ts";
import { queryRows } from "../../loaders/duckdb.ts";
import { suiteDuckDB } from "../util/duckdb.ts";

type Value = number | string | Date | null;

const DAY = 86_400_000;
const GOOD_CUID = "cmbeolhzc00000011slh2rni1";

/**
 * Edge values for a column, chosen from its compiled kind and bounds: each bound, one step past it, a bad id, a bad
 * enum value, timestamps around 2000-01-01 and in the future, and null.
 */
function edgeValues(c: CompiledColumn, schema: z.ZodType): Value[] {
  const values: Value[] = [null];
  if (c.duckdbType === "INTEGER" || c.duckdbType === "DOUBLE") {
    values.push(0, -1, 1, 100, 101, 2_147_483_647);
    for (const r of c.rules) {
      const bound = /^[<>]=? (-?\d+(?:\.\d+)?)$/.exec(r.rule);
      if (bound) values.push(Number(bound[1]) - 1, Number(bound[1]), Number(bound[1]) + 1);
    }
    if (c.duckdbType === "DOUBLE") values.push(0.5, -1.5, 1e300, Number.NaN, Number.POSITIVE_INFINITY);
  } else if (c.duckdbType === "TIMESTAMPTZ") {
    values.push(
      new Date("2000-01-01T00:00:00.000Z"),
      new Date("1999-12-31T23:59:59.999Z"),
      new Date("1999-12-31T00:00:00.000Z"),
      new Date("2025-06-02T06:00:00.000Z"),
      new Date(Date.now() - DAY),
      new Date(Date.now() + DAY),
      new Date("2999-01-01T00:00:00.000Z"),
    );
  } else if (c.duckdbType === "JSON") {
    values.push('{"a": 1}', "[]", '"text"', "null");
  } else {
    values.push(
      "",
      "x",
      "😀 unicode",
      GOOD_CUID,
      "bad-id",
      GOOD_CUID.toUpperCase(),
      `${GOOD_CUID}x`,
      GOOD_CUID.slice(1),
    );
    values.push("BAD", "card_reviewed");
    const inner = unwrap(schema);
    if (inner instanceof z.ZodEnum) values.push(...(inner.options as string[]));
  }
  return values;
}

function unwrap(s: z.ZodType): z.ZodType {
  return s instanceof z.ZodNullable || s instanceof z.ZodOptional ? unwrap(s.unwrap() as z.ZodType) : s;
}

function literal(c: CompiledColumn, v: Value): string {
  if (v === null) return `CAST(NULL AS ${c.duckdbType})`;
  if (v instanceof Date) return `TIMESTAMPTZ ${sqlString(v.toISOString())}`;
  if (typeof v === "number") return `CAST(${sqlString(String(v))} AS ${c.duckdbType})`;
  return `CAST(${sqlString(v)} AS ${c.duckdbType})`;
}

/**
 * Whether the compiled SQL rules accept one value: the reject reason of a one-column row is NULL. The condition
 * validation counts with must say the same, or this throws.
 */
async function sqlAccepts(con: DuckDBConnection, c: CompiledColumn, v: Value): Promise<boolean> {
  const [row] = await queryRows<{ reason: string | null; breaks: boolean }>(
    con,
    `SELECT ${rejectReasonSql([c])} AS reason, ${breaksRulesSql([c])} AS breaks
     FROM (SELECT ${literal(c, v)} AS ${JSON.stringify(c.name)})`,
  );
  if (row!.breaks !== (row!.reason !== null))
    throw new Error(`${c.name} = ${String(v)}: reason ${row!.reason}, but breaksRulesSql says ${row!.breaks}`);
  return row!.reason === null;
}

describe("compileSchema: zod and the compiled SQL rules agree", () => {
  const con = suiteDuckDB();

  for (const def of datasets.filter((d) => d.source)) {
    it(`on edge values of every column of ${def.name}`, async () => {
      const disagreements: string[] = [];
      let rejected = 0;
      for (const c of compileSchema(def.schema)) {
        const schema = def.schema.shape[c.name] as z.ZodType;
        for (const v of edgeValues(c, schema)) {
          // JSON columns hold JSON text; zod sees the same text.
          const zodOk = schema.safeParse(v).success;
          const sqlOk = await sqlAccepts(con(), c, v);
          if (zodOk !== sqlOk) disagreements.push(`${c.name} = ${String(v)}: zod ${zodOk}, SQL ${sqlOk}`);
          if (!zodOk) rejected++;
        }
      }
      expect(disagreements).toEqual([]);
      // The edge values do exercise the rules: many are invalid.
      expect(rejected).toBeGreaterThan(10);
    });
  }

  it.each<[string, Value, boolean]>([
    ["sessionPerformanceScore", 0, true],
    ["sessionPerformanceScore", 100, true],
    ["sessionPerformanceScore", -1, false],
    ["sessionPerformanceScore", 101, false],
    ["sessionPerformanceScore", null, true],
    ["timeOfDay", 23, true],
    ["timeOfDay", 25, false],
    ["timeOfDay", null, false],
    ["dayOfWeek", 7, false],
    ["id", GOOD_CUID, true],
    ["id", "bad-id", false],
    ["eventType", "CARD_REVIEWED", true],
    ["eventType", "card_reviewed", false],
    ["engagementLevel", null, true],
    ["timestamp", new Date("1999-12-31T00:00:00.000Z"), false],
    ["timestamp", new Date("2000-01-01T00:00:00.000Z"), true],
    ["timestamp", new Date(Date.now() + DAY), false],
    ["contentType", "", true],
  ])("behavioral_events.%s = %s is %s in both", async (name, value, valid) => {
    const def = datasets.find((d) => d.name === "behavioral_events")!;
    const c = compileSchema(def.schema).find((x) => x.name === name)!;
    expect((def.schema.shape[name] as z.ZodType).safeParse(value).success).toBe(valid);
    expect(await sqlAccepts(con(), c, value)).toBe(valid);
  });
});

describe("compileSchema", () => {
  it("maps behavioral_events to faithful DuckDB types", () => {
    const def = datasets.find((d) => d.name === "behavioral_events")!;
    const types = Object.fromEntries(compileSchema(def.schema).map((c) => [c.name, c.duckdbType]));
    expect(types).toMatchObject({
      id: "VARCHAR",
      eventType: "VARCHAR",
      eventData: "JSON",
      timestamp: "TIMESTAMPTZ",
      sessionPerformanceScore: "INTEGER",
      timeOfDay: "INTEGER",
    });
  });

  it("names each rule for error messages", () => {
    const def = datasets.find((d) => d.name === "behavioral_events")!;
    const score = compileSchema(def.schema).find((c) => c.name === "sessionPerformanceScore")!;
    expect(score).toMatchObject({ nullable: true, rules: [{ rule: ">= 0" }, { rule: "<= 100" }] });
    const hour = compileSchema(def.schema).find((c) => c.name === "timeOfDay")!;
    expect(hour.rules.map((r) => r.rule)).toEqual(["not null", ">= 0", "<= 23"]);
  });

  it("refuses zod constructs it cannot compile rather than skipping them", () => {
    expect(() => compileSchema(z.object({ tags: z.array(z.string()) }))).toThrow(
      "compileSchema: column tags: unsupported zod type array",
    );
    expect(() => compileSchema(z.object({ email: z.email() }))).toThrow(
      "compileSchema: column email: unsupported string format email",
    );
    expect(() => compileSchema(z.object({ short: z.string().max(3) }))).toThrow(
      "compileSchema: column short: unsupported string check max_length",
    );
    expect(() => compileSchema(z.object({ even: z.int().multipleOf(2) }))).toThrow(
      "compileSchema: column even: unsupported number check multiple_of",
    );
    expect(() => compileSchema(z.object({ monday: z.date().refine((d) => d.getUTCDay() === 1) }))).toThrow(
      "compileSchema: column monday: unsupported date check custom",
    );
    expect(() => compileSchema(z.object({ id: z.string().regex(/^c[a-z]+$/i) }))).toThrow(
      "compileSchema: column id: unsupported regex flags /i",
    );
  });
});
