import { z } from "zod";
import { PHASE_TYPES } from "../sources/enums.ts";
import { cuid, int, json, personId, text, timestamp } from "./columns.ts";
import { defineDataset } from "./define.ts";

export const phaseAssignments = defineDataset({
  name: "phase_assignments",
  description:
    "The phases of each protocol, as half-open date ranges [startDate, endDate). In a multiple-baseline protocol " +
    "each participant has their own phases (userId); null userId means the protocol's participant.",
  // userId came with multiple-baseline protocols; an application from before them has no such column.
  source: { kind: "postgres", table: "phaseAssignment", timeColumn: "startDate", optionalColumns: ["userId"] },
  schema: z.object({
    id: cuid(),
    protocolId: text(),
    /** The participant the phase belongs to (multiple baseline); null for the protocol's own participant. */
    userId: personId().nullable(),
    phaseLabel: text(),
    phaseType: z.enum(PHASE_TYPES),
    startDate: timestamp(),
    endDate: z.date().nullable(),
    plannedDuration: int(1),
    randomizationSeed: int().nullable(),
    interventionParams: json().nullable(),
  }),
  primaryKey: ["id"],
  sortKey: ["protocolId", "startDate", "id"],
  checks: [
    { type: "unique", columns: ["id"] },
    {
      // NULLs equal: a null userId is the protocol's own participant, so single-participant labels are checked too.
      type: "duplicate_count",
      columns: ["protocolId", "userId", "phaseLabel"],
      description: "A label names one phase of a protocol's participant.",
    },
    { type: "relationships", columns: ["protocolId"], to: { dataset: "experiment_protocols", columns: ["id"] } },
    {
      type: "regex",
      column: "phaseLabel",
      pattern: "(baseline|intervention_[A-Z]|washout)_[0-9]+",
      severity: "warn",
      description: "Labels read <phase>_<n>, as the protocol builder writes them.",
    },
    { type: "schema_unchanged", severity: "warn" },
  ],
});
