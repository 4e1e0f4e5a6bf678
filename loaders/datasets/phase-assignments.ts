import { z } from "zod";
import { PHASE_TYPES } from "../sources/enums.ts";
import { cuid, int, json, text, timestamp } from "./columns.ts";
import { defineDataset } from "./define.ts";

export const phaseAssignments = defineDataset({
  name: "phase_assignments",
  description: "The phases of each protocol, as half-open date ranges [startDate, endDate).",
  source: { kind: "postgres", table: "phaseAssignment", timeColumn: "startDate" },
  schema: z.object({
    id: cuid(),
    protocolId: text(),
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
});
