import { sqlString } from "../../sql-quote.ts";
import { shortVersion } from "../../lineage/version.ts";
import type { CheckModule, CheckTarget } from "../check.ts";
import type { FreshnessCheck } from "../../datasets/check-spec.ts";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "90m", "36h", "2d", "1w" → milliseconds. */
export function parseMaxAge(t: CheckTarget, text: unknown, option = "maxAge"): number {
  const m = typeof text === "string" ? /^([1-9][0-9]{0,5})([mhdw])$/.exec(text) : null;
  if (!m)
    return t.fail(
      `"${option}" must be a whole number and a unit m, h, d or w (e.g. "36h"), got ${JSON.stringify(text)}`,
    );
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const instant = (ms: number) => `TIMESTAMPTZ ${sqlString(new Date(ms).toISOString())}`;

/**
 * One row (newest, reference, age) when the newest value is older than the reference minus maxAge, or when there
 * is no value at all; none otherwise. The reference is the injected clock, the version's creation time, or the
 * newest value of a column of another dataset.
 */
export const freshness: CheckModule<FreshnessCheck> = {
  inputs: (spec) => (typeof spec.reference === "object" && spec.reference ? [spec.reference.dataset] : []),
  compile(spec, t) {
    const col = t.col(spec.column);
    const maxAge = parseMaxAge(t, spec.maxAge);
    let reference: string;
    let described: string;
    if (spec.reference === "now") [reference, described] = [instant(t.now), "the clock"];
    else if (spec.reference === "ingest") [reference, described] = [instant(t.createdAt), "the version's creation"];
    else if (spec.reference && typeof spec.reference === "object") {
      const other = t.input(spec.reference.dataset);
      reference = `(SELECT max(r.${other.col(spec.reference.column)}) FROM ${other.rows} AS r)`;
      described = `the newest ${spec.reference.column} of ${other.def.name}@${shortVersion(other.version)}`;
    } else return t.fail(`"reference" must be "now", "ingest" or {dataset, column}`);
    return {
      sql: `SELECT newest, reference, CAST(reference - newest AS VARCHAR) AS age FROM (
          SELECT max(${col}) AS newest, ${reference} AS reference FROM ${t.rows})
        WHERE newest IS NULL OR newest < reference - to_milliseconds(${maxAge})`,
      detail: `newest ${spec.column} at most ${spec.maxAge} before ${described}`,
    };
  },
};
