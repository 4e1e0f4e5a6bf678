import type { CheckModule } from "../check.ts";
import type { CheckSpec, CheckType } from "../../datasets/check-spec.ts";
import { acceptedValues } from "./accepted-values.ts";
import { categoryShift } from "./category-shift.ts";
import { distributionShift } from "./distribution-shift.ts";
import { duplicateCount } from "./duplicate-count.ts";
import { freshness } from "./freshness.ts";
import { inRange } from "./in-range.ts";
import { noGaps } from "./no-gaps.ts";
import { notNull } from "./not-null.ts";
import { nullRateChange } from "./null-rate-change.ts";
import { regex } from "./regex.ts";
import { relationships } from "./relationships.ts";
import { rowCountBetween } from "./row-count-between.ts";
import { rowCountChange } from "./row-count-change.ts";
import { schemaUnchanged } from "./schema-unchanged.ts";
import { settledRowsChanged } from "./settled-rows-changed.ts";
import { unique } from "./unique.ts";
import { volumeAnomaly } from "./volume-anomaly.ts";

/** Every check type and the module that compiles it. */
export const checkModules: { [T in CheckType]: CheckModule<Extract<CheckSpec, { type: T }>> } = {
  not_null: notNull,
  unique,
  accepted_values: acceptedValues,
  in_range: inRange,
  regex,
  relationships,
  row_count_between: rowCountBetween,
  freshness,
  no_gaps: noGaps,
  schema_unchanged: schemaUnchanged,
  duplicate_count: duplicateCount,
  volume_anomaly: volumeAnomaly,
  row_count_change: rowCountChange,
  null_rate_change: nullRateChange,
  distribution_shift: distributionShift,
  category_shift: categoryShift,
  settled_rows_changed: settledRowsChanged,
};

export const CHECK_TYPES = Object.keys(checkModules) as CheckType[];

/** Whether a check type compares two versions of its dataset (and so needs the compared one). */
export const isDriftCheck = (type: CheckType): boolean => !!(checkModules[type] as { drift?: boolean }).drift;
