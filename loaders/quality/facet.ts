import type { LineageRecord } from "../lineage/record.ts";
import type { CheckResult, QualityReport } from "./run.ts";

/** The `labbook_quality` run facet: a version's check outcomes, without failing rows (lineage is committed). */
export interface QualityFacet {
  status: QualityReport["status"];
  checks: Omit<CheckResult, "sample">[];
}

/** A version's status for display: its checks' outcome, or unchecked when it was made without checks. */
export type VersionStatus = QualityReport["status"] | "unchecked";

export function qualityFacet(report: QualityReport): QualityFacet {
  return { status: report.status, checks: report.results.map(({ sample: _s, ...r }) => r) };
}

/** The quality outcome recorded in a version's lineage record by ingest or run, if any. */
export function qualityOfRecord(record: LineageRecord): QualityFacet | undefined {
  const f = record.run.facets as Record<string, unknown>;
  const q = f.labbook_quality as (QualityFacet & { _producer?: string }) | undefined;
  return q && Array.isArray(q.checks) ? { status: q.status, checks: q.checks } : undefined;
}

/** A version's status for display, e.g. to colour it on the lineage page. */
export const versionStatus = (record: LineageRecord): VersionStatus => qualityOfRecord(record)?.status ?? "unchecked";
