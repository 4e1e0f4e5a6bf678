import { z } from "zod";
import { DESIGN_TYPES } from "../sources/enums.ts";
import { cuid, int, json, personId, text, timestamp } from "./columns.ts";
import { defineDataset } from "./define.ts";

export const experimentProtocols = defineDataset({
  name: "experiment_protocols",
  description: "Single-case experiment protocols: hypothesis, design and primary outcome.",
  source: { kind: "postgres", table: "experimentProtocol", timeColumn: "startDate", userColumn: "userId" },
  schema: z.object({
    id: cuid(),
    userId: personId(),
    protocolName: text(),
    hypothesis: text(),
    startDate: timestamp(),
    endDate: z.date().nullable(),
    designType: z.enum(DESIGN_TYPES),
    primaryOutcome: text(),
    sampleSizeTarget: int(0).nullable(),
    analysisPlan: json().nullable(),
  }),
  primaryKey: ["id"],
  sortKey: ["startDate", "id"],
  checks: [
    { type: "unique", columns: ["id"] },
    {
      type: "accepted_values",
      column: "primaryOutcome",
      values: ["sessionPerformanceScore"],
      severity: "warn",
      description: "The outcomes the analysis pages know how to aggregate.",
    },
    { type: "schema_unchanged", severity: "warn" },
  ],
});
