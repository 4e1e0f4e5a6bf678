import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkName } from "../../loaders/datasets/check-spec.ts";
import { int, text, time, timestamp } from "../../loaders/datasets/columns.ts";
import { defineDataset } from "../../loaders/datasets/define.ts";
import { getDataset } from "../../loaders/datasets/index.ts";
import { schemaChecks } from "../../loaders/datasets/schema-checks.ts";
import { createFixture, eventRows, type Fixture } from "../quality/_fixtures.ts";

/** Shaped like the quality fixture's events, with the rules a real schema has: an enum and a bounded score. */
const schema = z.object({
  id: text(),
  userId: text().nullable(),
  kind: z.enum(["CARD", "QUIZ"]).nullable(),
  score: int(0, 100).nullable(),
  label: text().nullable(),
  ts: time(),
});
const events = defineDataset({
  name: "events",
  description: "fixture",
  source: { kind: "files", format: "csv" },
  schema,
  primaryKey: ["id"],
  sortKey: ["id"],
});

describe("checks generated from a source dataset's schema", () => {
  it("are one not_null over the required columns, then accepted_values per enum and in_range per bounded column", () => {
    const generated = schemaChecks(
      z.object({
        id: text(),
        at: timestamp(),
        kind: z.enum(["A", "B"]),
        level: z.enum(["low", "high"]).nullable(),
        score: int(0, 100).nullable(),
        // An exclusive bound has no in_range form: it stays a validation rule.
        weight: z.number().positive(),
        note: text().nullable(),
      }),
    );
    expect(generated.map(checkName)).toEqual([
      "not_null(id,at,kind,weight)",
      "accepted_values(kind)",
      "accepted_values(level)",
      "in_range(at)",
      "in_range(score)",
    ]);
    expect(generated).toContainEqual(expect.objectContaining({ type: "accepted_values", values: ["low", "high"] }));
    expect(generated).toContainEqual(expect.objectContaining({ column: "score", min: 0, max: 100 }));
    expect(generated).toContainEqual(expect.objectContaining({ column: "at", min: "2000-01-01T00:00:00.000Z" }));
    expect(generated.every((c) => c.description?.includes("--no-validate"))).toBe(true);
  });

  it("come first in a source dataset's checks, and only a source's: a derived version is validated when written", () => {
    expect(events.checks!.map(checkName)).toEqual(["not_null(id,ts)", "accepted_values(kind)", "in_range(score)"]);
    const real = getDataset("behavioral_events").checks!.map(checkName);
    expect(real.slice(0, 2)).toEqual([
      "not_null(id,userId,eventType,eventData,timestamp,timeOfDay,dayOfWeek)",
      "accepted_values(eventType)",
    ]);
    expect(real).toContain("in_range(sessionPerformanceScore)");
    // events_dedup declares its one check, and gets none from its schema.
    expect((getDataset("events_dedup").checks ?? []).map((c) => c.type)).toEqual(["duplicate_count"]);
  });

  it("refuse a declared check that restates the schema, and keep a stricter one it does not hold", () => {
    const declaring = (checks: Parameters<typeof defineDataset>[0]["checks"]) => () =>
      defineDataset({ ...events, name: "declaring", checks });
    expect(declaring([{ type: "not_null", columns: ["userId", "ts"] }])).toThrow(
      "defineDataset declaring: check not_null(userId,ts) restates the schema (the schema requires ts)",
    );
    expect(declaring([{ type: "accepted_values", column: "kind", values: ["CARD"] }])).toThrow(
      "restates the schema (the schema lists kind's values)",
    );
    expect(declaring([{ type: "in_range", column: "score", min: 0, max: 50 }])).toThrow(
      "restates the schema (the schema bounds score)",
    );
    expect(declaring([{ type: "not_null", columns: ["userId"] }])).not.toThrow();
    expect(declaring([{ type: "accepted_values", column: "label", values: ["baseline_1"] }])).not.toThrow();
  });
});

describe("generated checks on stored rows that break the schema", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture();
  });
  afterAll(() => f?.close());

  // What an ingest with --no-validate can store: a NULL in a required column, an unknown kind, a score of 140.
  const rows = eventRows(
    ["e1", "u1", "CARD", 40, null, "2025-06-01 08:00"],
    ["e2", "u1", "SWIPE", 100, null, "2025-06-01 09:00"],
    ["e3", "u2", "QUIZ", 140, null, "2025-06-02 10:00"],
  );
  const byName = (name: string) => events.checks!.find((c) => checkName(c) === name)!;

  it("fail on exactly the rows that break it", async () => {
    expect(await f.check(byName("accepted_values(kind)"), rows, { def: events })).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [expect.objectContaining({ id: "e2", kind: "SWIPE" })],
    });
    expect(await f.check(byName("in_range(score)"), rows, { def: events })).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [expect.objectContaining({ id: "e3", score: 140 })],
    });
    expect(await f.check(byName("not_null(id,ts)"), rows, { def: events })).toMatchObject({ status: "pass" });
  });
});
