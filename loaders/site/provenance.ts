import { readGitInfo, type GitInfo } from "../lineage/git.ts";
import { failingChecksOfEnv, type GateFailure } from "../quality/failing.ts";
import type { SiteContext } from "./context.ts";

/** What a build shows, as data: which pins, which versions, which code, when (`labbook archive` checks it). */
export interface Provenance {
  pinSet: string;
  /** dataset → pinned version */
  pins: Record<string, string>;
  git: GitInfo;
  /** ISO time of the build (set once per build, so every page agrees; SOURCE_DATE_EPOCH when set). */
  builtAt: string;
  /** The failing error checks a `labbook build --allow-failing-checks` published anyway; empty for a gated build. */
  failingChecks: GateFailure[];
}

export async function provenanceData(
  ctx: Pick<SiteContext, "config" | "pinSet" | "pins" | "builtAt">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Provenance> {
  return {
    pinSet: ctx.pinSet,
    pins: ctx.pins,
    git: await readGitInfo(ctx.config.root),
    builtAt: new Date(ctx.builtAt).toISOString(),
    failingChecks: failingChecksOfEnv(env),
  };
}
