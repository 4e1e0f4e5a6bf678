import { describe, expect, it } from "vitest";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { fileColumns, versionFields, type FileColumn } from "../../loaders/iceberg/schema.ts";
import { createProject } from "../util/project.ts";
import { sqlString } from "../../loaders/sql-quote.ts";
import path from "node:path";

describe("Iceberg types from a Parquet footer", () => {
  it("maps what DuckDB writes to the Iceberg type that reads it exactly, and refuses what v2 cannot hold", async () => {
    const project = await createProject();
    try {
      await withDuckDB(async (con) => {
        const write = async (name: string, select: string) => {
          const file = path.join(project.root, `${name}.parquet`);
          await con.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet, FIELD_IDS 'auto')`);
          return file;
        };
        const ok = await write(
          "ok",
          `SELECT 1::TINYINT a, 1::SMALLINT b, 1::INTEGER c, 1::BIGINT d, 1::UINTEGER e, 1.5::FLOAT f, 1.5::DOUBLE g,
             1.25::DECIMAL(9,2) h, 1.25::DECIMAL(20,4) i, 'x' j, '{}'::JSON k, 'x'::BLOB l, true m, DATE '2025-01-01' n,
             TIMESTAMPTZ '2025-01-01 00:00:00+00' o, TIMESTAMP '2025-01-01 00:00:00' p, TIME '10:00:00' q,
             uuid() r`,
        );
        const columns = await fileColumns(con, ok, "test@ok");
        expect(columns.map((c) => `${c.name}:${c.type}:${c.fieldId}`)).toEqual([
          "a:int:0",
          "b:int:1",
          "c:int:2",
          "d:long:3",
          "e:long:4",
          "f:float:5",
          "g:double:6",
          "h:decimal(9,2):7",
          "i:decimal(20,4):8",
          "j:string:9",
          "k:string:10",
          "l:binary:11",
          "m:boolean:12",
          "n:date:13",
          "o:timestamptz:14",
          "p:timestamp:15",
          "q:time:16",
          "r:uuid:17",
        ]);
        const nested = await write("nested", "SELECT {'x': 1} AS s");
        await expect(fileColumns(con, nested, "test@nested")).rejects.toThrow(
          'cannot describe test@nested as an Iceberg table: column "s" is nested (a struct, list or map), which ' +
            "Iceberg v2 has no type for",
        );
        const huge = await write("huge", "SELECT 1::UBIGINT AS u");
        await expect(fileColumns(con, huge, "test@huge")).rejects.toMatchObject({ code: "E_VALIDATION" });
      });
    } finally {
      await project.remove();
    }
  });
});

describe("field ids across versions", () => {
  const col = (name: string, fieldId?: number): FileColumn => ({ name, type: "string", fieldId });

  it("keeps a column's id, gives a new column the next one, and names a file whose ids mean other columns", () => {
    const ids = { byName: new Map<string, number>(), last: -1 };
    // Written before field ids: ids by name, from 0 as DuckDB numbers them.
    expect(versionFields([col("a"), col("b")], ids).fields.map((f) => f.id)).toEqual([0, 1]);
    expect(versionFields([col("b"), col("c")], ids).fields.map((f) => f.id)).toEqual([1, 2]);
    // With field ids, as DuckDB writes them: the same columns agree; a dropped column shifts the rest.
    expect(versionFields([col("a", 0), col("b", 1)], ids)).toMatchObject({ conflicts: [] });
    const shifted = versionFields([col("a", 0), col("c", 1)], ids);
    expect(shifted.fields.map((f) => f.id)).toEqual([0, 1]);
    expect(shifted.conflicts).toEqual(["c"]);
    expect(ids.last).toBe(2);
  });
});
