import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabbookError } from "../../loaders/errors.ts";
import { pinsInHistory, protectedVersions } from "../../loaders/lineage/history.ts";
import { formatPins } from "../../loaders/lineage/pins.ts";
import { memoryLogger } from "../../loaders/log.ts";
import { gitRepo, v, type Repo } from "./_git.ts";

const run = promisify(execFile);

async function caught(fn: () => unknown): Promise<LabbookError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LabbookError);
    return e as LabbookError;
  }
  throw new Error("expected a LabbookError, nothing was thrown");
}

describe("pinsInHistory", () => {
  let r: Repo;
  let clone: string;
  beforeAll(async () => {
    // main: v1 → v2 (tag t-annotated on v2); side branch from v1: v3; light tag on a dangling-from-branches commit: v4;
    // a remote-tracking branch in a clone carries v5.
    r = await gitRepo();
    await r.commitPins({ a: { events: v("1") } }, "one");
    await r.git("branch", "side");
    await r.commitPins({ a: { events: v("2") }, b: { events: v("2") } }, "two");
    await r.git("tag", "-a", "t-annotated", "-m", "two");
    await r.git("checkout", "-q", "side");
    await r.commitPins({ a: { events: v("3") } }, "three");
    await r.git("checkout", "-q", "-b", "tagged");
    await r.commitPins({ a: { phases: v("4") } }, "four");
    await r.git("tag", "t-light");
    await r.git("checkout", "-q", "main");
    await r.git("branch", "-D", "-q", "tagged");
    clone = await mkdtemp(path.join(os.tmpdir(), "labbook-clone-"));
    await r.git("clone", "-q", r.root, clone);
    await r.commitPins({ a: { events: v("5") } }, "five, only on the origin's main after the clone");
  });
  afterAll(async () => {
    await r.remove();
    await rm(clone, { recursive: true, force: true });
  });

  it("collects the versions pinned on every branch and tag, reading each commit and blob once", async () => {
    const h = await pinsInHistory(r.root, r.lineageDir, { action: "gc" });
    expect(h).not.toBeNull();
    expect(h!.refs.sort()).toEqual([
      "refs/heads/main",
      "refs/heads/side",
      "refs/tags/t-annotated",
      "refs/tags/t-light",
    ]);
    expect(new Map([...h!.versions].sort())).toEqual(
      new Map([
        [v("1"), "HEAD"],
        [v("2"), "HEAD"],
        [v("3"), "refs/heads/side"],
        [v("4"), "refs/tags/t-light"],
        [v("5"), "HEAD"],
      ]),
    );
    expect(h!.commits).toBe(6);
    expect(h!.truncated).toBe(0);
  });

  it("follows remote-tracking branches", async () => {
    await run("git", ["fetch", "-q", "origin"], { cwd: clone });
    await run("git", ["reset", "-q", "--hard", "HEAD~1"], { cwd: clone });
    const h = await pinsInHistory(clone, path.join(clone, "lineage"), { action: "gc" });
    expect(h!.refs).toContain("refs/remotes/origin/main");
    expect(h!.versions.get(v("5"))).toBe("refs/remotes/origin/main");
    // The clone's main was moved back to the first commit: what it left behind is reached only from origin.
    expect(h!.versions.get(v("1"))).toBe("HEAD");
    expect(h!.versions.get(v("2"))).toBe("refs/remotes/origin/main");
  });

  it("returns null outside a git repository", async () => {
    const plain = await gitRepo(false);
    try {
      expect(await pinsInHistory(plain.root, plain.lineageDir, { action: "gc" })).toBeNull();
    } finally {
      await plain.remove();
    }
  });

  it("refuses with E_INTEGRITY, naming commit and ref, when a side branch's pins.json does not parse", async () => {
    await r.git("checkout", "-q", "-b", "broken", "side");
    const bad = await r.commitPins("{not json", "broken pins");
    await r.git("checkout", "-q", "main");
    try {
      const e = await caught(() => pinsInHistory(r.root, r.lineageDir, { action: "offload" }));
      expect(e.code).toBe("E_INTEGRITY");
      expect(e.message).toMatch(
        new RegExp(
          `^offload refused: lineage/pins\\.json at commit ${bad.slice(0, 12)} \\(reached from refs/heads/broken\\) is not valid JSON`,
        ),
      );
      expect(e.details.join(" ")).toContain("delete or rewrite refs/heads/broken");
    } finally {
      await r.git("branch", "-D", "-q", "broken");
    }
  });

  it("reads each commit once however many refs reach it", async () => {
    await r.git("checkout", "-q", "-b", "same", "main");
    await r.git("commit", "-q", "--allow-empty", "-m", "same pins again");
    await r.git("checkout", "-q", "main");
    try {
      const h = await pinsInHistory(r.root, r.lineageDir, { action: "gc" });
      expect(h!.commits).toBe(7);
      expect(h!.versions.size).toBe(5);
    } finally {
      await r.git("branch", "-D", "-q", "same");
    }
  });

  it("refuses a shallow clone unless allowShallow, which counts the boundary commits", async () => {
    const shallow = await mkdtemp(path.join(os.tmpdir(), "labbook-shallow-"));
    try {
      await run("git", ["clone", "-q", "--depth", "1", "--no-single-branch", `file://${r.root}`, shallow]);
      const lineageDir = path.join(shallow, "lineage");
      const e = await caught(() => pinsInHistory(shallow, lineageDir, { action: "gc" }));
      expect(e.code).toBe("E_INTEGRITY");
      expect(e.message).toMatch(
        /^gc refused: .* is a shallow git clone: pins committed before its \d+ boundary commit/,
      );
      expect(e.details.join(" ")).toContain("--allow-shallow");
      const h = await pinsInHistory(shallow, lineageDir, { action: "gc", allowShallow: true });
      expect(h!.truncated).toBeGreaterThan(0);
      expect(h!.truncated).toBe(h!.commits);
      expect(h!.versions.has(v("5"))).toBe(true);
      expect(h!.versions.has(v("1"))).toBe(false);
    } finally {
      await rm(shallow, { recursive: true, force: true });
    }
  });
});

describe("protectedVersions", () => {
  it("adds the working tree's pins to history's", async () => {
    const r = await gitRepo();
    try {
      await r.commitPins({ a: { events: v("1") } });
      await r.commitPins({ a: { events: v("2") } });
      await writeFile(path.join(r.lineageDir, "pins.json"), formatPins({ a: { events: v("3") } }));
      const log = memoryLogger();
      const p = await protectedVersions({ root: r.root, lineageDir: r.lineageDir }, { action: "gc", log });
      expect(p.versions).toEqual(new Set([v("1"), v("2"), v("3")]));
      expect(p.history).toEqual({ refs: 1, commits: 3, truncated: 0 });
      expect(log.lines).toEqual([]);
    } finally {
      await r.remove();
    }
  });

  it("outside git keeps the working tree's pins and warns", async () => {
    const r = await gitRepo(false);
    try {
      await writeFile(path.join(r.lineageDir, "pins.json"), formatPins({ a: { events: v("3") } }));
      const log = memoryLogger();
      const p = await protectedVersions({ root: r.root, lineageDir: r.lineageDir }, { action: "offload", log });
      expect(p).toEqual({ versions: new Set([v("3")]), history: null });
      expect(log.lines).toEqual([
        "warning: offload: not in a git repository, so only the working tree's lineage/pins.json protects versions",
      ]);
    } finally {
      await r.remove();
    }
  });
});
