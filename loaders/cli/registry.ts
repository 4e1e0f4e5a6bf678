import type { CommandDef } from "./command.ts";

interface Entry {
  summary: string;
  load: () => Promise<{ default: CommandDef }>;
}

/** Every CLI command: one line of help and a lazy import, so `labbook --help` loads nothing heavy. */
export const commands: Record<string, Entry> = {
  db: { summary: "Show, start or stop the embedded PostgreSQL server", load: () => import("./commands/db.ts") },
  seed: {
    summary: "Fill the database with deterministic synthetic research data",
    load: () => import("./commands/seed.ts"),
  },
};
