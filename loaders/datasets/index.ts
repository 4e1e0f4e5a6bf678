import { LabbookError } from "../errors.ts";
import { behavioralEvents } from "./behavioral-events.ts";
import { contextMetadata } from "./context-metadata.ts";
import { dailyUserMetrics } from "./daily-user-metrics.ts";
import type { DatasetDef } from "./define.ts";
import { eventsDedup } from "./events-dedup.ts";
import { experimentProtocols } from "./experiment-protocols.ts";
import { operationEvents } from "./operation-events.ts";
import { phaseObservations } from "./phase-observations.ts";
import { phaseAssignments } from "./phase-assignments.ts";
import { qualityResults } from "./quality-results.ts";
import { sessions } from "./sessions.ts";
import { weeklyMetrics } from "./weekly-metrics.ts";

export { defineDataset, DATASET_NAME, type DatasetDef } from "./define.ts";

/** Every dataset labbook knows, in dependency order. Later work (pipeline, quality) appends here. */
export const datasets: DatasetDef[] = [
  behavioralEvents,
  experimentProtocols,
  phaseAssignments,
  contextMetadata,
  operationEvents,
  eventsDedup,
  sessions,
  dailyUserMetrics,
  weeklyMetrics,
  phaseObservations,
  qualityResults,
];

export function getDataset(name: string): DatasetDef {
  const def = datasets.find((d) => d.name === name);
  if (!def) {
    throw new LabbookError(`unknown dataset: ${name}`, {
      code: "E_USAGE",
      details: [`Known datasets: ${datasets.map((d) => d.name).join(", ")}.`],
    });
  }
  return def;
}

/** The command that makes a dataset's versions, for hints. */
export function makerCommand(def: DatasetDef): string {
  return def.derive
    ? `labbook run ${def.name}`
    : def.produced
      ? `labbook ${def.produced}`
      : `labbook ingest ${def.name}`;
}

export const sourceDatasets = () => datasets.filter((d) => d.source?.kind === "postgres");
