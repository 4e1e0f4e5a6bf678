import { z } from "zod";
import { describe, expect, it } from "vitest";
import { defineDataset } from "../../loaders/datasets/define.ts";

const source = (optionalColumns: string[], partitioned = false) => ({
  name: "things",
  description: "test",
  source: { kind: "postgres" as const, table: "phaseAssignment" as const, timeColumn: "at", optionalColumns },
  schema: z.object({ id: z.string(), at: z.date(), note: z.string().nullable(), label: z.string() }),
  primaryKey: ["id"],
  sortKey: ["at", "id"],
  ...(partitioned ? { partitioning: { column: "at", grain: "day" as const } } : {}),
});

describe("defineDataset: optional source columns", () => {
  it("accepts a nullable column outside the keys", () => {
    expect(() => defineDataset(source(["note"]))).not.toThrow();
  });

  it("refuses one that is not nullable, is a key, is not in the schema, or is on a partitioned dataset", () => {
    expect(() => defineDataset(source(["label"]))).toThrow(
      'defineDataset things: optional column "label" must be nullable',
    );
    expect(() => defineDataset(source(["id"]))).toThrow(
      'optional column "id" must be a schema column outside the keys',
    );
    expect(() => defineDataset(source(["nope"]))).toThrow('optional column "nope" must be a schema column');
    expect(() => defineDataset(source(["note"], true))).toThrow(
      "defineDataset things: a partitioned dataset cannot have optional source columns",
    );
  });
});
