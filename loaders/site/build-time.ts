import { LabbookError } from "../errors.ts";

export const BUILD_TIME_ENV = "LABBOOK_BUILD_TIME";

/**
 * The time a site build shows (footers, provenance stamp, the quality page's clock), in ms. `labbook build` fixes it
 * once in LABBOOK_BUILD_TIME so every loader agrees. It is SOURCE_DATE_EPOCH (whole seconds since 1970, the
 * reproducible-builds convention) when that is set, so two builds of one commit can be byte-identical; else the clock.
 * A malformed SOURCE_DATE_EPOCH is an error, as the convention asks, never silently the current time.
 */
export function buildTime(env: NodeJS.ProcessEnv, clock: () => number = Date.now): number {
  const fixed = Date.parse(env[BUILD_TIME_ENV] ?? "");
  if (!Number.isNaN(fixed)) return fixed;
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === "") return clock();
  if (!/^\d{1,12}$/.test(epoch))
    throw new LabbookError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got ${JSON.stringify(epoch)}`, {
      code: "E_CONFIG",
      details: ["Set it to a commit's time, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it."],
    });
  return Number(epoch) * 1000;
}
