import { describe, expect, it } from "vitest";
import { schemaRecord, schemaVersion } from "../../loaders/deliver/to-ndjson.ts";

describe("schemaVersion", () => {
  const columns = [
    { name: "id", type: "VARCHAR" },
    { name: "n", type: "INTEGER" },
  ];

  it("is 16 hex digits that depend only on the column names and types, in order", () => {
    expect(schemaVersion(columns)).toMatch(/^[0-9a-f]{16}$/);
    expect(schemaVersion(columns.map((c) => ({ ...c })))).toBe(schemaVersion(columns));
    const changed = [
      [{ name: "id", type: "VARCHAR" }],
      [...columns, { name: "x", type: "DOUBLE" }],
      [columns[0]!, { name: "n", type: "BIGINT" }],
      [columns[0]!, { name: "m", type: "INTEGER" }],
      [columns[1]!, columns[0]!],
    ];
    for (const c of changed) expect(schemaVersion(c)).not.toBe(schemaVersion(columns));
  });

  it("is the _version of the schema record", () => {
    expect(schemaRecord("d", "sha256:ab", columns)).toEqual({
      _type: "schema",
      _version: schemaVersion(columns),
      dataset: "d",
      version: "sha256:ab",
      columns,
    });
  });
});
