import { z } from "zod";
import { int, json, text } from "./columns.ts";
import { defineDataset } from "./define.ts";

/** Written by `labbook check` (loaders/quality/results.ts): neither ingested nor derived, so ingest and run skip it. */
export const qualityResults = defineDataset({
  name: "quality_results",
  description:
    "The outcome of every quality check on the checked dataset versions: status, failing count and a sample of failing rows.",
  produced: "check",
  schema: z.object({
    dataset: text(),
    version: text(),
    check: text(),
    type: text(),
    severity: z.enum(["error", "warn"]),
    status: z.enum(["pass", "warn", "fail", "skipped"]),
    failing: int(0),
    allowed: int(0),
    /** The thresholds the status was judged by, e.g. ">0" or ">1%"; null where the check cannot reach that status. */
    warnIf: text().nullable(),
    errorIf: text().nullable(),
    /** The version a drift check compared with. */
    against: text().nullable(),
    detail: text().nullable(),
    /** The first failing rows as a JSON array, raw: pages pseudonymize it. */
    sample: json(),
  }),
  primaryKey: ["dataset", "version", "check"],
  sortKey: ["dataset", "version", "check"],
});
