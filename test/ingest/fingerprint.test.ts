import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { float, json, text, timestamp } from "../../loaders/datasets/columns.ts";
import { defineDataset } from "../../loaders/datasets/define.ts";
import { fingerprintPartitions, type PartitionFingerprint } from "../../loaders/ingest/partitions.ts";
import { sourceColumnTypes } from "../../loaders/sources/column-types.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";

/**
 * The partition fingerprint hashes each row with its columns' own hash functions, except where that hash could
 * miss a change to the value the ingest exports: json (no hash function), an enum (its hash is of the value's OID,
 * which a renamed value keeps) and a float (whose hash takes -0 for 0). Each change below alters the exported
 * bytes of one day, and must alter that day's fingerprint and no other.
 */
describe("partition fingerprints", () => {
  let db: TestDatabase;
  const def = defineDataset({
    name: "things",
    description: "test",
    source: { kind: "postgres", table: "behavioralEvent", timeColumn: "at" },
    schema: z.object({ id: text(), at: timestamp(), kind: text(), doc: json(), tags: json(), x: float().nullable() }),
    primaryKey: ["id"],
    sortKey: ["at", "id"],
    partitioning: { column: "at", grain: "day" },
  });
  const fingerprints = async () =>
    fingerprintPartitions(db.sql, def, `"things"`, [], await sourceColumnTypes(db.sql, "things"));
  const changedDays = (a: PartitionFingerprint[], b: PartitionFingerprint[]) =>
    a.filter((p, i) => p.fingerprint !== b[i]!.fingerprint).map((p) => p.key);
  let base: PartitionFingerprint[];

  beforeAll(async () => {
    db = await createTestDatabase("fingerprint");
    await db.sql.unsafe(`CREATE TYPE "Kind" AS ENUM ('a', 'b')`);
    await db.sql.unsafe(`CREATE TABLE things (id text, at timestamptz, kind "Kind", doc json, tags jsonb, x float8)`);
    await db.sql.unsafe(`INSERT INTO things VALUES
      ('r1', '2025-06-01 08:00+00', 'a', '{"n":1}', '["x"]', 0),
      ('r2', '2025-06-02 08:00+00', 'b', '{"n":2}', '["y"]', 1.5),
      ('r3', '2025-06-03 08:00+00', 'b', '{"n":3}', '["z"]', 2)`);
    base = await fingerprints();
  });
  afterAll(() => db?.drop());

  it("is one per day, of its rows", () => {
    expect(base.map((p) => [p.key, p.rows])).toEqual([
      ["2025-06-01", 1],
      ["2025-06-02", 1],
      ["2025-06-03", 1],
    ]);
  });

  const changes: [string, string, string, string[]][] = [
    [
      "a float turned from 0 to -0",
      `UPDATE things SET x = '-0' WHERE id = 'r1'`,
      `UPDATE things SET x = 0 WHERE id = 'r1'`,
      ["2025-06-01"],
    ],
    [
      "json whose text changed but not its value",
      `UPDATE things SET doc = '{"n": 2}' WHERE id = 'r2'`,
      `UPDATE things SET doc = '{"n":2}' WHERE id = 'r2'`,
      ["2025-06-02"],
    ],
    [
      "a jsonb value",
      `UPDATE things SET tags = '["q"]' WHERE id = 'r3'`,
      `UPDATE things SET tags = '["z"]' WHERE id = 'r3'`,
      ["2025-06-03"],
    ],
    // r2 and r3 hold 'b'.
    [
      "a renamed enum value",
      `ALTER TYPE "Kind" RENAME VALUE 'b' TO 'c'`,
      `ALTER TYPE "Kind" RENAME VALUE 'c' TO 'b'`,
      ["2025-06-02", "2025-06-03"],
    ],
  ];
  for (const [what, change, undo, days] of changes) {
    it(`changes with ${what}, on that day only, and returns when it is undone`, async () => {
      await db.sql.unsafe(change);
      expect(changedDays(await fingerprints(), base)).toEqual(days);
      await db.sql.unsafe(undo);
      expect(await fingerprints()).toEqual(base);
    });
  }
});
