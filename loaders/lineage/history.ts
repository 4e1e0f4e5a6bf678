import fs from "node:fs";
import git from "isomorphic-git";
import { gitRoot, peelToCommit, pinsFilepath, readPinsAtCommit } from "./pins.ts";

export interface HistoryPins {
  /** Every version pinned by any set at any commit reachable from a branch or tag → the first ref found to need it. */
  versions: Map<string, string>;
  refs: string[];
  commits: number;
  /** Commits whose parents are not in the repository (a shallow clone): history beyond them was not seen. */
  truncated: number;
}

/** Local branches, remote-tracking branches and tags, as full ref names. */
async function allRefs(dir: string): Promise<string[]> {
  const refs = (await git.listBranches({ fs, dir })).map((b) => `refs/heads/${b}`);
  for (const remote of await git.listRemotes({ fs, dir })) {
    const branches = await git.listBranches({ fs, dir, remote: remote.remote });
    refs.push(...branches.filter((b) => b !== "HEAD").map((b) => `refs/remotes/${remote.remote}/${b}`));
  }
  refs.push(...(await git.listTags({ fs, dir })).map((t) => `refs/tags/${t}`));
  return refs;
}

/**
 * Walks every commit reachable from any branch or tag (and HEAD, for a detached checkout) with isomorphic-git and
 * collects the versions that pins.json pinned there. Each commit is read once, however many refs reach it, and each
 * distinct pins.json blob is parsed once.
 */
export async function pinsInHistory(root: string, lineageDir: string): Promise<HistoryPins> {
  const dir = await gitRoot(root);
  const filepath = pinsFilepath(dir, lineageDir);
  const cache = {};
  const refs = await allRefs(dir);
  const versions = new Map<string, string>();
  const seenCommits = new Set<string>();
  const seenBlobs = new Set<string>();
  let truncated = 0;
  for (const ref of ["HEAD", ...refs]) {
    const tip = await git.resolveRef({ fs, dir, ref }).catch(() => undefined);
    if (!tip) continue;
    const start = await peelToCommit(dir, tip, ref).catch(() => undefined);
    const queue = start ? [start] : [];
    while (queue.length) {
      const oid = queue.pop()!;
      if (seenCommits.has(oid)) continue;
      seenCommits.add(oid);
      const found = await readPinsAtCommit(dir, filepath, oid, cache);
      if (found && !seenBlobs.has(found.blob)) {
        seenBlobs.add(found.blob);
        for (const set of Object.values(found.pins))
          for (const version of Object.values(set)) if (!versions.has(version)) versions.set(version, ref);
      }
      const { commit } = await git.readCommit({ fs, dir, oid, cache });
      for (const parent of commit.parent) {
        const present = await git.readCommit({ fs, dir, oid: parent, cache }).then(
          () => true,
          () => false,
        );
        if (present) queue.push(parent);
        else truncated++;
      }
    }
  }
  return { versions, refs, commits: seenCommits.size, truncated };
}
