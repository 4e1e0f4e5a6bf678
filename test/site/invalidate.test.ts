import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loaderFiles, type SiteLoader } from "../../loaders/site/discover.ts";
import { cachedOutputs, invalidateStale } from "../../loaders/site/invalidate.ts";

const loaders: SiteLoader[] = [
  { name: "events", file: "data/events.json.ts", kind: "ts", reads: ["behavioral_events"] },
  { name: "experiments", file: "data/experiments.zip.ts", kind: "ts", reads: ["experiment_protocols"] },
  { name: "stamp", file: "data/stamp.json.ts", kind: "ts", reads: "all", volatile: true },
];

describe("invalidateStale", () => {
  let site: string;
  const cache = (...p: string[]) => path.join(site, ".observablehq", "cache", ...p);
  const fill = async () => {
    for (const file of [cache("data/events.json"), cache("data/experiments.zip"), cache("data/experiments/p1.json")]) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, "{}");
    }
  };
  beforeEach(async () => {
    site = await mkdtemp(path.join(tmpdir(), "labbook-invalidate-"));
  });
  afterEach(() => rm(site, { recursive: true, force: true }));

  it("names a loader's cached output, and for an archive the files Framework extracted from it", async () => {
    expect(await cachedOutputs(site, loaders[0]!)).toEqual([cache("data/events.json")]);
    expect(await cachedOutputs(site, loaders[1]!)).toEqual([cache("data/experiments.zip"), cache("data/experiments")]);
  });

  it("names every output of a loader with route parameters, and nothing else", async () => {
    for (const file of ["p/a.json", "p/b'c.json", "p/a.csv", "p/x/a.json", "q/a.json"]) {
      await mkdir(path.dirname(cache(file)), { recursive: true });
      await writeFile(cache(file), "[]");
    }
    expect((await cachedOutputs(site, { file: "p/[id].json.sql" })).sort()).toEqual([
      cache("p/a.json"),
      cache("p/b'c.json"),
    ]);
  });

  it("removes the outputs of changed loaders only, and always those of volatile ones", async () => {
    const fingerprints = { events: "e1", experiments: "x1", stamp: "s1" };
    expect(await invalidateStale(site, loaders, fingerprints)).toEqual({
      rerun: ["events", "experiments", "stamp"],
      kept: [],
    });
    await fill();
    expect(await invalidateStale(site, loaders, fingerprints)).toEqual({
      rerun: ["stamp"],
      kept: ["events", "experiments"],
    });
    expect(existsSync(cache("data/experiments/p1.json"))).toBe(true);

    expect(await invalidateStale(site, loaders, { ...fingerprints, experiments: "x2" })).toEqual({
      rerun: ["experiments", "stamp"],
      kept: ["events"],
    });
    expect(existsSync(cache("data/events.json"))).toBe(true);
    expect(existsSync(cache("data/experiments.zip"))).toBe(false);
    // An extracted file left behind would be served as fresh: it goes with its archive.
    expect(existsSync(cache("data/experiments/p1.json"))).toBe(false);
  });

  it("re-runs a loader whose output is missing even if its fingerprint is unchanged", async () => {
    const fingerprints = { events: "e1", experiments: "x1", stamp: "s1" };
    await invalidateStale(site, loaders, fingerprints);
    await fill();
    expect((await invalidateStale(site, loaders, fingerprints)).kept).toContain("events");
    await rm(cache("data/events.json"));
    expect((await invalidateStale(site, loaders, fingerprints)).rerun).toContain("events");
  });

  it("treats an unreadable fingerprint file as all changed", async () => {
    await fill();
    await writeFile(cache("labbook-fingerprints.json"), "{not json");
    expect((await invalidateStale(site, loaders, { events: "e", experiments: "x", stamp: "s" })).kept).toEqual([]);
  });
});

describe("loaderFiles", () => {
  it("finds SQL and TypeScript loaders under src/, not components, family lists or Framework's cache", async () => {
    const site = await mkdtemp(path.join(tmpdir(), "labbook-loaders-"));
    try {
      const files = [
        "data/events.json.ts",
        "notes.json.sql",
        "experiments/[protocol].json.sql",
        "experiments/[protocol].paths.sql",
        "components/chart.ts",
        "data/static.json",
        ".observablehq/cache/x.json.sql",
      ];
      for (const f of files) {
        await mkdir(path.dirname(path.join(site, f)), { recursive: true });
        await writeFile(path.join(site, f), "");
      }
      expect(await loaderFiles(site)).toEqual([
        { file: "data/events.json.ts", kind: "ts" },
        { file: "experiments/[protocol].json.sql", kind: "sql" },
        { file: "notes.json.sql", kind: "sql" },
      ]);
      await writeFile(path.join(site, "data", "extra.csv.py"), "");
      await expect(loaderFiles(site)).rejects.toThrow("data loaders labbook cannot run: src/data/extra.csv.py");
    } finally {
      await rm(site, { recursive: true, force: true });
    }
  });
});
