import type { CommandDef } from "./command.ts";

interface Entry {
  summary: string;
  load: () => Promise<{ default: CommandDef }>;
}

/** Every CLI command: one line of help and a lazy import, so `labbook --help` loads nothing heavy. */
export const commands: Record<string, Entry> = {
  db: { summary: "Show, start or stop the embedded PostgreSQL server", load: () => import("./commands/db.ts") },
  ingest: {
    summary: "Export source datasets from PostgreSQL to versioned Parquet with lineage",
    load: () => import("./commands/ingest.ts"),
  },
  versions: { summary: "List a dataset's versions, newest first", load: () => import("./commands/versions.ts") },
  show: { summary: "Print a version's lineage record", load: () => import("./commands/show.ts") },
  seed: {
    summary: "Fill the database with deterministic synthetic research data",
    load: () => import("./commands/seed.ts"),
  },
};
