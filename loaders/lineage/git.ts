import fs from "node:fs";
import git from "isomorphic-git";

export interface GitInfo {
  commit: string | null;
  branch: string | null;
  /** True when a tracked file differs from HEAD. */
  dirty: boolean | null;
}

/** Reads commit, branch and dirty flag with isomorphic-git; nulls outside a repository or before the first commit. */
export async function readGitInfo(dir: string): Promise<GitInfo> {
  try {
    const root = await git.findRoot({ fs, filepath: dir });
    const commit = await git.resolveRef({ fs, dir: root, ref: "HEAD" }).catch(() => null);
    const branch = (await git.currentBranch({ fs, dir: root, fullname: false }).catch(() => null)) ?? null;
    if (!commit) return { commit: null, branch, dirty: null };
    // Rows are [file, head, workdir, stage]; unmodified tracked files are [f, 1, 1, 1].
    const matrix = await git.statusMatrix({ fs, dir: root });
    const dirty = matrix.some(
      ([, head, work, stage]) =>
        !(head === 1 && work === 1 && stage === 1) && !(head === 0 && work === 2 && stage === 0),
    );
    return { commit, branch, dirty };
  } catch {
    return { commit: null, branch: null, dirty: null };
  }
}
