import { readGitInfo, type GitInfo } from "../lineage/git.ts";
import { failingChecksOfEnv, type GateFailure } from "../quality/failing.ts";
import type { SiteContext } from "./context.ts";

/** What a build shows, as data: which pins, which versions, which code, when (`labbook archive` checks it). */
export interface Provenance {
  pinSet: string;
  /** dataset → pinned version */
  pins: Record<string, string>;
  git: GitInfo;
  /** ISO time of the build (LABBOOK_BUILD_TIME, set once per build, so every page agrees). */
  builtAt: string;
  /** The failing error checks a `labbook build --allow-failing-checks` published anyway; empty for a gated build. */
  failingChecks: GateFailure[];
}

export async function provenanceData(
  ctx: Pick<SiteContext, "config" | "pinSet" | "pins">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Provenance> {
  const builtAt =
    env.LABBOOK_BUILD_TIME && !Number.isNaN(Date.parse(env.LABBOOK_BUILD_TIME))
      ? env.LABBOOK_BUILD_TIME
      : new Date().toISOString();
  return {
    pinSet: ctx.pinSet,
    pins: ctx.pins,
    git: await readGitInfo(ctx.config.root),
    builtAt: new Date(builtAt).toISOString(),
    failingChecks: failingChecksOfEnv(env),
  };
}
