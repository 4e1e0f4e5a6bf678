/** Quality checks: declared in dataset definitions, compiled to DuckDB SQL, run on versions, stored as data. */
export type * from "../datasets/check-spec.ts";
export { checkName, severityOf } from "../datasets/check-spec.ts";
export { CHECK_TYPES, checkModules } from "./checks/index.ts";
export type { ResolvedDataset } from "./check.ts";
export {
  runChecksOnFile,
  overallStatus,
  type CheckContext,
  type CheckResult,
  type CheckStatus,
  type QualityReport,
} from "./run.ts";
export { storeContext, createdAtOf } from "./context.ts";
export { checkStaged, type CheckStagedOptions } from "./staged.ts";
export { checkInputs, orderForChecks } from "./order.ts";
export { qualityFacet, qualityOfRecord, versionStatus, type QualityFacet, type VersionStatus } from "./facet.ts";
export { storeResults, type StoredResults } from "./results.ts";
export { checkVersions, type CheckVersionsOptions, type CheckVersionsResult } from "./check-versions.ts";
export { describeFailure, gateError, gateVerdict, recordedFailures, type GateVerdict } from "./gate.ts";
export { FAILING_CHECKS_ENV, failingChecksOfEnv, type GateFailure } from "./failing.ts";
