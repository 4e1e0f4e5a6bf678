import { describe, expect, it } from "vitest";
import { bindFilters, parseFilter } from "../../loaders/deliver/filter.ts";
import type { DeliverySource } from "../../loaders/deliver/source.ts";

const source: DeliverySource = {
  dataset: "events",
  version: `sha256:${"0".repeat(64)}`,
  files: ["/dev/null"],
  pinSet: null,
  columns: [
    { name: "kind", type: "VARCHAR" },
    { name: "n", type: "INTEGER" },
    { name: "at", type: "TIMESTAMP WITH TIME ZONE" },
    { name: "ok", type: "BOOLEAN" },
    { name: "payload", type: "JSON" },
    { name: "day", type: "DATE" },
  ],
  timeColumn: "at",
  enums: { kind: ["a", "b,c"] },
};

describe("parseFilter", () => {
  it("splits values on commas; \\, keeps a comma in a value", () => {
    expect(parseFilter("kind=a,b\\,c")).toEqual({ column: "kind", values: ["a", "b,c"] });
    expect(parseFilter("n=1")).toEqual({ column: "n", values: ["1"] });
    expect(parseFilter("kind=")).toEqual({ column: "kind", values: [""] });
  });

  it("refuses text without column=", () => {
    expect(() => parseFilter("kind")).toThrow('--filter takes column=value[,value…], got "kind"');
    expect(() => parseFilter("=a")).toThrow('--filter takes column=value[,value…], got "=a"');
  });
});

describe("bindFilters", () => {
  it("binds every value as a parameter, cast to the column's type, and never writes it into the SQL", () => {
    const bound = bindFilters(
      [
        { column: "kind", values: ["b,c"] },
        { column: "n", values: ["1", "-2"] },
        { column: "at", values: ["2025-06-02"] },
        { column: "ok", values: ["TRUE"] },
      ],
      source,
    );
    expect(bound.where).toBe(
      `"kind" IN (CAST($1 AS VARCHAR)) AND "n" IN (CAST($2 AS BIGINT), CAST($3 AS BIGINT)) AND ` +
        `"at" IN (CAST($4 AS TIMESTAMPTZ)) AND "ok" IN (CAST($5 AS BOOLEAN))`,
    );
    expect(bound.params).toEqual(["b,c", "1", "-2", "2025-06-02T00:00:00.000Z", "true"]);
  });

  it("refuses columns it cannot compare and values of the wrong type", () => {
    expect(() => bindFilters([{ column: "payload", values: ["{}"] }], source)).toThrow(
      '--filter cannot compare JSON column "payload"',
    );
    expect(() => bindFilters([{ column: "at", values: ["yesterday"] }], source)).toThrow(
      '--filter at: "yesterday" is not an ISO 8601 timestamp',
    );
    expect(() => bindFilters([{ column: "ok", values: ["yes"] }], source)).toThrow(
      '--filter ok: "yes" is not true or false',
    );
    expect(() => bindFilters([{ column: "n", values: ["9223372036854775808"] }], source)).toThrow(
      '--filter n: "9223372036854775808" is not a whole number',
    );
    for (const day of ["2025-02-30", "2025-13-01", "20250101"])
      expect(() => bindFilters([{ column: "day", values: [day] }], source)).toThrow(
        `--filter day: "${day}" is not a date (YYYY-MM-DD)`,
      );
    expect(bindFilters([{ column: "day", values: ["2024-02-29"] }], source).params).toEqual(["2024-02-29"]);
  });

  it("reads timestamps strictly, as ingest --since does: UTC unless an offset is given, real days only", () => {
    const at = (value: string) => bindFilters([{ column: "at", values: [value] }], source).params[0];
    expect(at("2025-09-20T00:00")).toBe("2025-09-20T00:00:00.000Z");
    expect(at("2025-09-20T00:00-04:00")).toBe("2025-09-20T04:00:00.000Z");
    for (const value of ["2025-09-31", "Sep 20 2025", "1"])
      expect(() => at(value)).toThrow(`--filter at: "${value}" is not an ISO 8601 timestamp`);
  });
});
