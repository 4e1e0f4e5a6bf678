import { randomUUID } from "node:crypto";
import type { GitInfo } from "./git.ts";
import { customFacet, facet, NAMESPACE, PRODUCER, RUN_EVENT_SCHEMA } from "./facets.ts";
import { labbookVersion } from "../version.ts";

export interface LineageInput {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}

export interface SchemaField {
  name: string;
  type: string;
}

export interface ValidationSummary {
  mode: "strict" | "non-strict" | "skipped";
  rowsRead: number;
  rowsValid: number;
  rowsRejected: number;
  nullsPerColumn: Record<string, number>;
  /** The rejects Parquet, relative to the data dir, when rows were rejected. */
  rejects?: { path: string; sha256: string; rows: number };
}

/** Everything a job knows about one output version. */
export interface RecordInput {
  job: string;
  dataset: string;
  version: string;
  rowCount: number;
  size: number;
  fields: SchemaField[];
  inputs: LineageInput[];
  /** Redacted: never holds a password. */
  dataSource: { name: string; uri: string };
  sql: string;
  parameters: Record<string, unknown>;
  git: GitInfo;
  sourcePath: string;
  startedAt: number;
  endedAt: number;
  validation?: ValidationSummary;
  /** Extra run facets (e.g. quality results, pipeline stage fingerprint). */
  runFacets?: Record<string, object>;
}

export type LineageRecord = ReturnType<typeof buildRecord>;

/** An OpenLineage RunEvent (spec 2-0-2) describing how one dataset version was made. */
export function buildRecord(input: RecordInput, runId: string = randomUUID()) {
  const runFacets: Record<string, object> = {
    labbook_parameters: customFacet("labbook_parameters", { parameters: input.parameters }),
    labbook_git: customFacet("labbook_git", input.git),
    labbook_run: customFacet("labbook_run", {
      labbookVersion,
      startedAt: new Date(input.startedAt).toISOString(),
      durationMs: input.endedAt - input.startedAt,
    }),
  };
  if (input.validation) runFacets.labbook_validation = customFacet("labbook_validation", input.validation);
  for (const [name, body] of Object.entries(input.runFacets ?? {})) runFacets[name] = customFacet(name, body);
  return {
    eventType: "COMPLETE" as const,
    eventTime: new Date(input.endedAt).toISOString(),
    producer: PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA,
    run: { runId, facets: runFacets },
    job: {
      namespace: NAMESPACE,
      name: input.job,
      facets: {
        sql: facet("sql", { query: input.sql }),
        sourceCodeLocation: facet("sourceCodeLocation", {
          type: "git",
          url: PRODUCER,
          path: input.sourcePath,
          version: input.git.commit ?? "uncommitted",
          branch: input.git.branch ?? undefined,
        }),
      },
    },
    inputs: input.inputs,
    outputs: [
      {
        namespace: NAMESPACE,
        name: input.dataset,
        facets: {
          schema: facet("schema", { fields: input.fields }),
          version: facet("version", { datasetVersion: input.version }),
          dataSource: facet("dataSource", input.dataSource),
        },
        // outputStatistics is an output-dataset facet in the spec, so it lives under outputFacets.
        outputFacets: {
          outputStatistics: facet("outputStatistics", { rowCount: input.rowCount, size: input.size }),
        },
      },
    ],
  };
}
