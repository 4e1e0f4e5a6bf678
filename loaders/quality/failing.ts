/** A failed `error` check of a pinned version: what keeps a pin set from being published. */
export interface GateFailure {
  dataset: string;
  version: string;
  check: string;
  failing: number;
}

/** The environment variable through which `labbook build --allow-failing-checks` tells every page what failed. */
export const FAILING_CHECKS_ENV = "LABBOOK_FAILING_CHECKS";

/** What an allowed-through build passes to its pages; empty when nothing failed. */
export function failingChecksOfEnv(env: NodeJS.ProcessEnv = process.env): GateFailure[] {
  const text = env[FAILING_CHECKS_ENV];
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as GateFailure[]) : [];
  } catch {
    return [];
  }
}
