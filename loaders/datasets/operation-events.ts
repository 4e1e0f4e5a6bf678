import { z } from "zod";
import { int, personId, text, timestamp } from "./columns.ts";
import { defineDataset } from "./define.ts";

export const operationEvents = defineDataset({
  name: "operation_events",
  description:
    "Operation events from service log files (NDJSON or CSV): one row per logged operation, e.g. a sync, an export " +
    "or a login, with its status and duration.",
  // The fixture logs; point `labbook ingest operation_events --from <glob>` at real ones.
  source: { kind: "files", format: "ndjson", defaultGlob: "test/fixtures/logs/operations/*", timeColumn: "timestamp" },
  schema: z.object({
    id: text(),
    timestamp: timestamp(),
    service: text(),
    operation: text(),
    userId: personId().nullable(),
    status: z.enum(["ok", "error"]),
    durationMs: int(0).nullable(),
    message: text().nullable(),
  }),
  primaryKey: ["id"],
  sortKey: ["timestamp", "id"],
});
