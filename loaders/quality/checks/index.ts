import type { CheckModule } from "../check.ts";
import type { CheckSpec, CheckType } from "../spec.ts";
import { acceptedValues } from "./accepted-values.ts";
import { duplicateCount } from "./duplicate-count.ts";
import { freshness } from "./freshness.ts";
import { inRange } from "./in-range.ts";
import { noGaps } from "./no-gaps.ts";
import { notNull } from "./not-null.ts";
import { regex } from "./regex.ts";
import { relationships } from "./relationships.ts";
import { rowCountBetween } from "./row-count-between.ts";
import { schemaUnchanged } from "./schema-unchanged.ts";
import { unique } from "./unique.ts";

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
};

export const CHECK_TYPES = Object.keys(checkModules) as CheckType[];
