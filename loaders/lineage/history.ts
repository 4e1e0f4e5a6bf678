import fs from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import git from "isomorphic-git";
import type { Config } from "../config.ts";
import { isLabbookError, LabbookError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { allPinnedVersions, blobAt, parsePins, peelToCommit, pinsFilepath, readPins, type Pins } from "./pins.ts";

export interface HistoryPins {
  /** Every version pinned by any set at any commit reachable from a branch or tag → the first ref found to need it. */
  versions: Map<string, string>;
  refs: string[];
  commits: number;
  /** Shallow-clone boundary commits (only with `allowShallow`): history beyond them was not seen. */
  truncated: number;
}

export interface HistoryOptions {
  /** Who is asking, for messages: "gc", "offload". */
  action: string;
  /** Accept a shallow clone, protecting only the pins in the history that is present. */
  allowShallow?: boolean;
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

const isNotFound = (e: unknown) => (e as { code?: string }).code === "NotFoundError";
const short = (oid: string) => oid.slice(0, 12);

/** The commits git lists as the boundary of a shallow clone; empty for a full one. */
async function shallowCommits(dir: string): Promise<Set<string>> {
  let gitdir = path.join(dir, ".git");
  // A worktree or submodule has a .git file naming the real git directory.
  if ((await stat(gitdir)).isFile()) {
    const named = /^gitdir:\s*(.+)$/m.exec(await readFile(gitdir, "utf8"))?.[1]?.trim();
    if (named) gitdir = path.resolve(dir, named);
  }
  // A worktree's git directory points at the shared one, which holds the shallow list.
  const common = (await readFile(path.join(gitdir, "commondir"), "utf8").catch(() => "")).trim();
  if (common) gitdir = path.resolve(gitdir, common);
  const text = await readFile(path.join(gitdir, "shallow"), "utf8").catch(() => "");
  return new Set(text.split("\n").filter(Boolean));
}

/**
 * Walks every commit reachable from any branch or tag (and HEAD, for a detached checkout) with isomorphic-git and
 * collects the versions that pins.json pinned there. Each commit is read once, however many refs reach it, and each
 * distinct pins.json blob is parsed once. Returns null when no git repository holds lineage/pins.json.
 *
 * Fails closed: anything that keeps a commit's pins from being known (a pins.json that does not parse, a missing
 * object, a shallow clone without `allowShallow`) is a LabbookError, since guessing would let a pinned version go.
 */
export async function pinsInHistory(
  root: string,
  lineageDir: string,
  options: HistoryOptions,
): Promise<HistoryPins | null> {
  let dir: string;
  try {
    dir = await git.findRoot({ fs, filepath: root });
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
  const filepath = pinsFilepath(dir, lineageDir);
  if (filepath.startsWith("../") || path.isAbsolute(filepath)) return null;
  const refuse = (what: string, details: string[], cause?: unknown) =>
    new LabbookError(`${options.action} refused: ${what}`, { code: "E_INTEGRITY", details, cause });
  const damaged = (what: string, cause: unknown) =>
    refuse(`${what}: ${(cause as Error).message}`, [
      "The repository is incomplete or damaged, so what its history pins cannot be known and nothing was removed.",
      'Run "git fsck", fetch the missing objects (git fetch), and run again.',
    ]);

  const shallow = await shallowCommits(dir);
  if (shallow.size && !options.allowShallow)
    throw refuse(
      `${dir} is a shallow git clone: pins committed before its ${shallow.size} boundary commit(s) cannot be seen`,
      [
        'Fetch the whole history ("git fetch --unshallow") and run again,',
        `or pass --allow-shallow to protect only the pins in the history that is present.`,
      ],
    );

  const cache = {};
  const refs = await allRefs(dir);
  const versions = new Map<string, string>();
  const seenCommits = new Set<string>();
  const seenBlobs = new Set<string>();
  let truncated = 0;
  for (const ref of ["HEAD", ...refs]) {
    let tip: string;
    try {
      tip = await git.resolveRef({ fs, dir, ref });
    } catch (e) {
      // HEAD of a repository with no commit yet (or an unborn branch) names nothing: there is no history there.
      if (ref === "HEAD" && isNotFound(e)) continue;
      throw damaged(`cannot resolve git ref ${ref}`, e);
    }
    const start = await peelToCommit(dir, tip, ref, cache).catch((e) => {
      // A tag on a tree or blob reaches no commit, and so no pins.
      if (isLabbookError(e, "E_NOT_FOUND")) return undefined;
      throw damaged(`git ref ${ref} names object ${short(tip)}, which cannot be read`, e);
    });
    const queue = start ? [start] : [];
    while (queue.length) {
      const oid = queue.pop()!;
      if (seenCommits.has(oid)) continue;
      seenCommits.add(oid);
      const where = `commit ${short(oid)} (reached from ${ref})`;
      const { commit } = await git.readCommit({ fs, dir, oid, cache }).catch((e) => {
        throw damaged(`cannot read ${where}`, e);
      });
      const blob = await blobAt(dir, commit.tree, filepath, cache).catch((e) => {
        throw damaged(`cannot read the tree of ${where}`, e);
      });
      if (blob && !seenBlobs.has(blob)) {
        seenBlobs.add(blob);
        const { blob: bytes } = await git.readBlob({ fs, dir, oid: blob, cache }).catch((e) => {
          throw damaged(`cannot read ${filepath} at ${where}`, e);
        });
        let pins: Pins;
        try {
          pins = parsePins(Buffer.from(bytes).toString("utf8"), `${filepath} at ${where}`);
        } catch (e) {
          throw refuse((e as Error).message, [
            "What that commit pinned cannot be known, so no version is removed on a guess.",
            `If that history is disposable, delete or rewrite ${ref} (git branch -D, git tag -d, git rebase) and run again.`,
          ]);
        }
        for (const set of Object.values(pins))
          for (const version of Object.values(set)) if (!versions.has(version)) versions.set(version, ref);
      }
      if (shallow.has(oid)) truncated++;
      else queue.push(...commit.parent);
    }
  }
  return { versions, refs, commits: seenCommits.size, truncated };
}

export interface ProtectedVersions {
  /** Versions pinned in the working tree or in git history. */
  versions: Set<string>;
  /** What history was read; null outside a git repository. */
  history: { refs: number; commits: number; truncated: number } | null;
}

/**
 * The versions nothing may delete: pinned in the working tree (any set) or at any commit reachable from a ref. Only
 * a project that is not a git repository falls back to the working tree, with a warning; every other failure to read
 * history refuses (see pinsInHistory).
 */
export async function protectedVersions(
  config: Pick<Config, "root" | "lineageDir">,
  options: HistoryOptions & { log?: Logger },
): Promise<ProtectedVersions> {
  const log = options.log ?? silentLogger;
  const versions = allPinnedVersions(await readPins(config.lineageDir));
  const h = await pinsInHistory(config.root, config.lineageDir, options);
  if (!h) {
    log.warn(
      `${options.action}: not in a git repository, so only the working tree's lineage/pins.json protects versions`,
    );
    return { versions, history: null };
  }
  for (const v of h.versions.keys()) versions.add(v);
  if (h.truncated)
    log.warn(
      `${options.action}: shallow clone (--allow-shallow): pins before ${h.truncated} boundary commit(s) were not seen`,
    );
  return { versions, history: { refs: h.refs.length, commits: h.commits, truncated: h.truncated } };
}
