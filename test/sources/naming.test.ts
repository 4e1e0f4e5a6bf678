import { describe, expect, it } from "vitest";
import { LabbookError } from "../../loaders/errors.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { createSchemaSql } from "../../loaders/sources/ddl.ts";
import { detectNaming } from "../../loaders/sources/naming.ts";
import { withTestDatabase } from "../util/pg.ts";

const small = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000 };

describe("detectNaming", () => {
  it.each(["pascal", "snake"] as const)("finds %s tables", async (naming) => {
    await withTestDatabase(async (db) => {
      await seedDatabase(db.sql, small, naming);
      expect(await detectNaming(db.sql)).toBe(naming);
    });
  });

  it("prefers PascalCase when both namings exist", async () => {
    await withTestDatabase(async (db) => {
      await seedDatabase(db.sql, small, "snake");
      // A seed replaces the other naming's tables, so the PascalCase ones are created beside them by hand.
      for (const statement of createSchemaSql("pascal").tables) await db.sql.unsafe(statement);
      expect(await detectNaming(db.sql)).toBe("pascal");
    });
  });

  it("fails with E_SOURCE naming both tables when there are none", async () => {
    await withTestDatabase(async (db) => {
      const error = await detectNaming(db.sql).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LabbookError);
      expect((error as LabbookError).code).toBe("E_SOURCE");
      expect((error as LabbookError).message).toBe(
        'source tables not found: looked for "BehavioralEvent" or "behavioral_events" on the search path',
      );
    });
  });

  it("ignores a table of the same name in a schema off the search path", async () => {
    await withTestDatabase(async (db) => {
      await db.sql.unsafe(`CREATE SCHEMA other; CREATE TABLE other."BehavioralEvent" (id text)`);
      await expect(detectNaming(db.sql)).rejects.toMatchObject({ code: "E_SOURCE" });
    });
  });
});
