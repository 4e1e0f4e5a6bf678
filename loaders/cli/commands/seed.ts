import { LabbookError } from "../../errors.ts";
import { seedDatabase, seedSummary } from "../../seed/load.ts";
import { SEED_COMMAND_OPTIONS } from "../../seed/plan.ts";
import { TABLE_NAMES, type Naming } from "../../sources/schema.ts";
import { withDatabase } from "../../sources/postgres.ts";
import { choiceOption, intOption, MAX_DAYS } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

const d = SEED_COMMAND_OPTIONS;

export default defineCommand({
  name: "seed",
  usage: "[--users N] [--days D] [--events N] [--seed S] [--naming pascal|snake] [--defects] [--replace]",
  description:
    "Create the application tables and fill them with deterministic synthetic research data: users, ABAB protocols\n" +
    "with randomized phase lengths, behavioral events whose daily score carries a known per-user intervention effect,\n" +
    "and context metadata. The same options give the same rows, byte for byte.\n\n" +
    "With no DATABASE_URL it seeds the embedded PostgreSQL, replacing earlier demo data. Against DATABASE_URL it\n" +
    "refuses to replace tables that hold rows unless --replace is given.",
  options: {
    users: { type: "string", valueName: "N", description: `Users (default ${d.users})` },
    days: {
      type: "string",
      valueName: "D",
      description: `Days of activity from the fixed epoch 2025-06-02 (default ${d.days})`,
    },
    events: {
      type: "string",
      valueName: "N",
      description: `Behavioral events in total (default ${d.events.toLocaleString("en")})`,
    },
    seed: { type: "string", valueName: "S", description: `Random seed (default ${d.seed})` },
    naming: {
      type: "string",
      valueName: "NAME",
      description:
        'Table naming: "pascal" ("BehavioralEvent", enum types) or "snake" (behavioral_events, text enums); default pascal',
    },
    defects: {
      type: "boolean",
      description:
        "Plant known defects (duplicates, an unknown phase label, a gap, an out-of-range score, a low-volume day)",
    },
    replace: { type: "boolean", description: "Replace tables that already hold rows in a DATABASE_URL database" },
  },
  examples: [
    "labbook seed",
    "labbook seed --events 100000 --seed 7",
    "labbook seed --naming snake --users 200 --days 90",
  ],
  async run(ctx) {
    const options = {
      ...d,
      users: intOption(ctx.values, "users", d.users, 1, 100_000),
      days: intOption(ctx.values, "days", d.days, 1, MAX_DAYS),
      events: intOption(ctx.values, "events", d.events, 0, 1_000_000_000),
      seed: intOption(ctx.values, "seed", d.seed, 0, 0xffff_ffff),
      defects: ctx.values.defects === true,
    };
    const naming = choiceOption<Naming>(ctx.values, "naming", ["pascal", "snake"], "pascal");
    const result = await withDatabase(
      ctx.config,
      async (db) => {
        if (ctx.config.databaseUrl && ctx.values.replace !== true) await refuseToReplace(db.sql);
        ctx.log.info(`seeding ${db.info.uri} (${naming} naming, seed ${options.seed})`);
        return seedDatabase(db.sql, options, naming, ctx.log, Date.now, ctx.signal);
      },
      { log: ctx.log },
    );
    if (ctx.json) return printJson(ctx, result);
    ctx.log.info(seedSummary(result));
    if (result.defects) ctx.log.info(`planted defects: ${JSON.stringify(result.defects)}`);
  },
});

async function refuseToReplace(sql: import("postgres").Sql): Promise<void> {
  for (const names of Object.values(TABLE_NAMES)) {
    for (const name of Object.values(names)) {
      const [row] = await sql`SELECT to_regclass(${`"${name}"`}) IS NOT NULL AS present`;
      if (!row?.present) continue;
      const [count] = await sql`SELECT EXISTS (SELECT 1 FROM ${sql(name)}) AS any`;
      if (count?.any) {
        throw new LabbookError(`seed refused: table "${name}" already holds rows`, {
          code: "E_USAGE",
          details: ["Seeding replaces the application tables. Pass --replace if that is what you want."],
        });
      }
    }
  }
}
