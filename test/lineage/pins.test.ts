import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabbookError } from "../../loaders/errors.ts";
import {
  allPinnedVersions,
  formatPins,
  parsePins,
  pinnedVersion,
  pinSet,
  readPins,
  readPinsAtCommit,
  readPinsAtRev,
  resolveRev,
  setsPinning,
  writePins,
} from "../../loaders/lineage/pins.ts";
import { gitRepo, v, type Repo } from "./_git.ts";

/** The LabbookError `fn` throws (sync or async). */
async function caught(fn: () => unknown): Promise<LabbookError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LabbookError);
    return e as LabbookError;
  }
  throw new Error("expected a LabbookError, nothing was thrown");
}

describe("parsePins", () => {
  it("accepts pin sets of dataset → version", () => {
    const pins = { default: { behavioral_events: v("a") }, "v1.0-x_y": {} };
    expect(parsePins(JSON.stringify(pins), "here")).toEqual(pins);
  });

  it.each([
    ["bad JSON", "{", /^here is not valid JSON: /],
    ["an array", "[]", /^here must be an object of pin sets$/],
    ["null", "null", /^here must be an object of pin sets$/],
    ["a string", '"x"', /^here must be an object of pin sets$/],
    ["a set name with capitals", JSON.stringify({ Bad: {} }), /^here: bad pin set "Bad"$/],
    ["a set that is an array", JSON.stringify({ ok: [] }), /^here: bad pin set "ok"$/],
    ["a set that is null", JSON.stringify({ ok: null }), /^here: bad pin set "ok"$/],
    [
      "a bad dataset name",
      JSON.stringify({ ok: { "Bad-Name": v("a") } }),
      /^here: bad pin ok\.Bad-Name = "sha256:a+"$/,
    ],
    ["a short version", JSON.stringify({ ok: { events: "sha256:abc" } }), /^here: bad pin ok\.events = "sha256:abc"$/],
    ["a version that is a number", JSON.stringify({ ok: { events: 3 } }), /^here: bad pin ok\.events = 3$/],
  ])("refuses %s with E_INTEGRITY and a way to recover", async (_what, text, message) => {
    const e = await caught(() => parsePins(text, "here"));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toMatch(message);
    expect(e.details.join(" ")).toContain("git checkout -- lineage/pins.json");
    expect(e.details.join(" ")).toContain('"labbook versions <dataset>"');
  });
});

describe("formatPins, writePins and readPins", () => {
  let r: Repo;
  beforeAll(async () => (r = await gitRepo(false)));
  afterAll(() => r.remove());

  it("sorts sets and datasets and drops empty sets", () => {
    const text = formatPins({ zeta: { b: v("1"), a: v("2") }, empty: {}, alpha: { c: v("3") } });
    expect(text).toBe(
      `{\n  "alpha": {\n    "c": "${v("3")}"\n  },\n  "zeta": {\n    "a": "${v("2")}",\n    "b": "${v("1")}"\n  }\n}\n`,
    );
    expect(Object.keys(JSON.parse(text) as object)).toEqual(["alpha", "zeta"]);
  });

  it("reads an absent file as no pins, and round-trips what it writes", async () => {
    const file = path.join(r.lineageDir, "pins.json");
    await rm(file, { force: true });
    expect(await readPins(r.lineageDir)).toEqual({});
    const pins = { b: { events: v("b") }, a: { events: v("a"), phases: v("c") } };
    await writePins(r.lineageDir, pins);
    expect(await readPins(r.lineageDir)).toEqual(pins);
    expect(await readFile(file, "utf8")).toBe(formatPins(pins));
    expect(await readdir(r.lineageDir)).toEqual(["pins.json"]);
  });

  it("creates the lineage folder when it is missing", async () => {
    const dir = path.join(r.root, "new", "lineage");
    await writePins(dir, { a: { events: v("a") } });
    expect(existsSync(path.join(dir, "pins.json"))).toBe(true);
  });

  it("readPins refuses a damaged file, naming it", async () => {
    await writeFile(path.join(r.lineageDir, "pins.json"), "{not json");
    const e = await caught(() => readPins(r.lineageDir));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toMatch(/^lineage\/pins\.json is not valid JSON/);
  });
});

describe("pinSet, pinnedVersion, setsPinning and allPinnedVersions", () => {
  const pins = { beta: { events: v("1"), phases: v("2") }, alpha: { events: v("1") }, gamma: { events: v("3") } };

  it("return a set and its versions", () => {
    expect(pinSet(pins, "beta")).toEqual({ events: v("1"), phases: v("2") });
    expect(pinnedVersion(pins, "gamma", "events")).toBe(v("3"));
  });

  it("fail naming the sets that exist, or saying nothing is pinned", async () => {
    let e = await caught(() => pinSet(pins, "delta"));
    expect([e.code, e.message, e.details]).toEqual([
      "E_NOT_FOUND",
      'no pin set "delta" in lineage/pins.json',
      ["Pin sets: beta, alpha, gamma."],
    ]);
    e = await caught(() => pinSet({}, "delta"));
    expect(e.details).toEqual(['Nothing is pinned yet: run "labbook pin delta --all".']);
    e = await caught(() => pinnedVersion(pins, "alpha", "phases"));
    expect([e.code, e.message]).toEqual(["E_NOT_FOUND", 'pin set "alpha" does not pin phases']);
    expect((await caught(() => pinSet(pins, "Bad Name"))).code).toBe("E_USAGE");
    expect((await caught(() => pinnedVersion(pins, "alpha", "Bad-Name"))).code).toBe("E_USAGE");
  });

  it("setsPinning lists the sets pinning a version, sorted; allPinnedVersions is every version once", () => {
    expect(setsPinning(pins, "events", v("1"))).toEqual(["alpha", "beta"]);
    expect(setsPinning(pins, "phases", v("1"))).toEqual([]);
    expect(allPinnedVersions(pins)).toEqual(new Set([v("1"), v("2"), v("3")]));
    expect(allPinnedVersions({})).toEqual(new Set());
  });
});

describe("resolveRev, readPinsAtRev and readPinsAtCommit", () => {
  let r: Repo;
  const c: string[] = [];
  beforeAll(async () => {
    r = await gitRepo();
    await r.git("commit", "-q", "--allow-empty", "-m", "no pins yet");
    c.push(await r.git("rev-parse", "HEAD"));
    c.push(await r.commitPins({ a: { events: v("1") } }));
    await r.git("tag", "light");
    c.push(await r.commitPins({ a: { events: v("2") } }));
    await r.git("tag", "-a", "annotated", "-m", "annotated tag");
    c.push(await r.commitPins({ a: { events: v("3") } }));
    await r.git("branch", "other", c[1]!);
  });
  afterAll(() => r.remove());

  it("resolves branches, light and annotated tags, short oids, ~N and ^", async () => {
    expect(await resolveRev(r.root, "main")).toBe(c[3]);
    expect(await resolveRev(r.root, "HEAD")).toBe(c[3]);
    expect(await resolveRev(r.root, "other")).toBe(c[1]);
    expect(await resolveRev(r.root, "light")).toBe(c[1]);
    expect(await resolveRev(r.root, "annotated")).toBe(c[2]);
    expect(await resolveRev(r.root, c[2]!.slice(0, 7))).toBe(c[2]);
    expect(await resolveRev(r.root, "main~2")).toBe(c[1]);
    expect(await resolveRev(r.root, "main~")).toBe(c[2]);
    expect(await resolveRev(r.root, "main^")).toBe(c[2]);
    expect(await resolveRev(r.root, "annotated^^")).toBe(c[0]);
    expect(await resolveRev(r.root, "main~1^")).toBe(c[1]);
  });

  it("refuses an unknown revision, and one past the start of history", async () => {
    let e = await caught(() => resolveRev(r.root, "nope"));
    expect([e.code, e.message]).toEqual(["E_NOT_FOUND", 'unknown git revision "nope"']);
    // main~4 is the project's first commit, which has no parent.
    expect(await resolveRev(r.root, "main~4")).toBe(await r.git("rev-list", "--max-parents=0", "HEAD"));
    e = await caught(() => resolveRev(r.root, "main~5"));
    expect([e.code, e.message]).toEqual(["E_NOT_FOUND", 'unknown git revision "main~5": history ends before it']);
  });

  it("refuses outside a git repository", async () => {
    const plain = await gitRepo(false);
    try {
      const e = await caught(() => resolveRev(plain.root, "main"));
      expect(e.code).toBe("E_NOT_FOUND");
      expect(e.message).toBe(`not a git repository: ${plain.root}`);
    } finally {
      await plain.remove();
    }
  });

  it("reads pins at a revision; a commit without pins.json has none", async () => {
    expect(await readPinsAtRev(r.root, r.lineageDir, "light")).toEqual({ a: { events: v("1") } });
    expect(await readPinsAtRev(r.root, r.lineageDir, "annotated")).toEqual({ a: { events: v("2") } });
    expect(await readPinsAtRev(r.root, r.lineageDir, "main")).toEqual({ a: { events: v("3") } });
    expect(await readPinsAtRev(r.root, r.lineageDir, "main~3")).toEqual({});
    expect(await readPinsAtCommit(r.root, "lineage/pins.json", c[0]!)).toBeUndefined();
    const at = await readPinsAtCommit(r.root, "lineage/pins.json", c[1]!);
    expect(at).toEqual({ blob: await r.git("rev-parse", "light:lineage/pins.json"), pins: { a: { events: v("1") } } });
  });

  it("fails with E_IO, not 'no pins', when the commit's objects are missing", async () => {
    const gone = "0".repeat(40);
    const e = await caught(() => readPinsAtCommit(r.root, "lineage/pins.json", gone));
    expect(e.code).toBe("E_IO");
    expect(e.message).toMatch(/^cannot read lineage\/pins\.json at 000000000000: /);
    expect(e.details.join(" ")).toContain("git fsck");
  });
});
