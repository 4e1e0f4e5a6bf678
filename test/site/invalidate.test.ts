import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertLoadersDeclared, cachedOutputs, invalidateStale } from "../../loaders/site/invalidate.ts";
import type { SiteLoader } from "../../loaders/site/manifest.ts";

const loaders: SiteLoader[] = [
  { name: "events", file: "data/events.json.ts", reads: ["behavioral_events"] },
  { name: "experiments", file: "data/experiments.zip.ts", reads: ["experiment_protocols"] },
  { name: "stamp", file: "data/stamp.json.ts", reads: "all", volatile: true },
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

  it("names a loader's cached output, and for an archive the files Framework extracted from it", () => {
    expect(cachedOutputs(site, loaders[0]!)).toEqual([cache("data/events.json")]);
    expect(cachedOutputs(site, loaders[1]!)).toEqual([cache("data/experiments.zip"), cache("data/experiments")]);
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

describe("assertLoadersDeclared", () => {
  it("fails naming a data loader that the manifest does not declare", async () => {
    const site = await mkdtemp(path.join(tmpdir(), "labbook-declared-"));
    try {
      await mkdir(path.join(site, "data"), { recursive: true });
      await mkdir(path.join(site, "components"), { recursive: true });
      for (const f of ["data/events.json.ts", "data/experiments.zip.ts", "data/stamp.json.ts", "components/chart.ts"])
        await writeFile(path.join(site, f), "");
      await writeFile(path.join(site, "data", "static.json"), "{}");
      await expect(assertLoadersDeclared(site, loaders)).resolves.toBeUndefined();
      await writeFile(path.join(site, "data", "extra.csv.py"), "");
      await expect(assertLoadersDeclared(site, loaders)).rejects.toThrow(
        "data loaders missing from loaders/site/manifest.ts: src/data/extra.csv.py",
      );
    } finally {
      await rm(site, { recursive: true, force: true });
    }
  });
});
