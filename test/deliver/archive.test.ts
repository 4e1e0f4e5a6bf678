import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArchive } from "../../loaders/deliver/archive.ts";
import { extractZip } from "../../loaders/deliver/zip-read.ts";
import { checkZip, verifyZip } from "../../loaders/deliver/zip-verify.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { readPins } from "../../loaders/lineage/pins.ts";
import { checkVersions } from "../../loaders/quality/check-versions.ts";
import type { SiteContext } from "../../loaders/site/context.ts";
import { provenanceData } from "../../loaders/site/provenance.ts";
import { versionParts, versionStoreFiles } from "../../loaders/store/files.ts";
import { hashFile } from "../../loaders/store/objects.ts";
import { hexOf, shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { seededProject, pinsOf, type SeededProject } from "../util/seeded.ts";

/** Flips one byte of `file` at the first occurrence of `marker` (stored entries keep their bytes as they are). */
async function corrupt(file: string, marker: Buffer): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf(marker);
  expect(at).toBeGreaterThan(0);
  bytes[at + marker.length - 1]! ^= 0xff;
  await writeFile(file, bytes);
}

describe("createArchive", () => {
  let project: SeededProject;
  let pinned: Record<string, string>;
  let qualityVersion: string;
  const at = Date.UTC(2025, 9, 1, 12);

  beforeAll(async () => {
    project = await seededProject();
    const results = await project.ingest();
    await project.pin(pinsOf("study", results));
    pinned = (await readPins(project.config.lineageDir)).study!;
    qualityVersion = (await checkVersions(project.config, { pins: "study" })).results.version;
    await mkdir(path.join(project.root, "dist", "_file"), { recursive: true });
    await writeFile(path.join(project.root, "dist", "index.html"), "<h1>report</h1>\n");
    await writeFile(path.join(project.root, "dist", "_file", "data.json"), "[]\n");
  });
  afterAll(async () => {
    await project?.remove();
  });

  /** A version's files in the store (its object, or its manifest and partition objects), named as in the zip. */
  const storeNames = async (version: string) =>
    (await versionStoreFiles(project.config.dataDir, version))!.map(
      (f) => `data/${path.relative(project.config.dataDir, f.file)}`,
    );

  it("writes one zip: objects, lineage, pins, quality results, README and a manifest", async () => {
    const result = await createArchive(project.config, { set: "study" }, { clock: () => at });
    expect(path.relative(project.root, result.path)).toBe(
      path.join("exports", "archives", "study-20251001T120000Z.zip"),
    );
    expect(result.quality).toMatchObject({ versions: [{ version: qualityVersion, pinned: false }], unchecked: [] });
    const dir = path.join(project.root, "unpacked");
    const names = await extractZip(result.path, dir);
    const versions = Object.entries({ ...pinned, quality_results: qualityVersion });
    const expected = [
      "README.md",
      "lineage/pins.json",
      "manifest.json",
      ...versions.map(([d, v]) => `lineage/${d}/${hexOf(v)}.json`),
      ...(await Promise.all(versions.map(([, v]) => storeNames(v)))).flat(),
    ].sort();
    // behavioral_events is its manifest and one object per day.
    expect((await storeNames(pinned.behavioral_events!)).length).toBeGreaterThan(2);
    expect(names.sort()).toEqual(expected);
    expect(JSON.parse(await readFile(path.join(dir, "lineage", "pins.json"), "utf8"))).toEqual({ study: pinned });
    const readme = await readFile(path.join(dir, "README.md"), "utf8");
    expect(readme).toContain('# Experiment archive: pin set "study"');
    for (const v of Object.values(pinned)) expect(readme).toContain(v);
    expect(readme).toContain("labbook archive --verify");
    expect(readme).toMatch(/\| behavioral_events \| \d+ \| \d+ \| \d+ \|/);
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(
      expected.filter((n) => n !== "manifest.json"),
    );
    for (const f of manifest.files) expect((await hashFile(path.join(dir, f.path))).version).toBe(f.sha256);
  });

  it("unpacks to a store on which labbook verify passes", async () => {
    const result = await createArchive(project.config, { set: "study", out: path.join(project.root, "a.zip") });
    const dir = path.join(project.root, "store-from-zip");
    await extractZip(result.path, dir);
    for (const v of Object.values(pinned)) {
      const files = await versionStoreFiles(path.join(dir, "data"), v);
      expect(files, v).toBeDefined();
      for (const f of files!) expect((await hashFile(f.file)).version).toBe(f.object);
    }
    const env = {
      ...project.env,
      LABBOOK_DATA_DIR: path.join(dir, "data"),
      LABBOOK_LINEAGE_DIR: path.join(dir, "lineage"),
    };
    const verify = await runCli(["verify", "--json"], env);
    expect(verify.stderr).not.toContain("error");
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout).problems).toEqual([]);
    const sql = await runCli(
      ["sql", "--pins", "study", "--format", "json", "SELECT count(*) AS n FROM behavioral_events"],
      env,
    );
    expect(sql.code).toBe(0);
    expect(JSON.parse(sql.stdout)).toEqual([{ n: 1500 }]);
  });

  /** What a build from `pinSet` leaves in dist/: the provenance every page footer reads, made by the real loader. */
  async function builtFrom(pinSet: string, pins: Record<string, string>): Promise<string> {
    const dir = path.join(project.root, "dist", "_file", "data");
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const provenance = await provenanceData(
      { config: project.config, pinSet, pins, builtAt: Date.now() } as SiteContext,
      {},
    );
    const file = path.join(dir, "provenance.0123abcd.json");
    await writeFile(file, JSON.stringify(provenance));
    return "site/_file/data/provenance.0123abcd.json";
  }

  it("includes the built site with --with-site when it was built from this pin set", async () => {
    const provenance = await builtFrom("study", pinned);
    const result = await createArchive(project.config, {
      set: "study",
      withSite: true,
      out: path.join(project.root, "s.zip"),
    });
    const names = await extractZip(result.path, path.join(project.root, "with-site"));
    expect(names.filter((n) => n.startsWith("site/")).sort()).toEqual(
      ["site/_file/data.json", provenance, "site/index.html"].sort(),
    );
    expect((await verifyZip(result.path)).problems).toEqual([]);
  });

  it("refuses --with-site when dist/ shows another pin set or other versions, naming the difference", async () => {
    const out = path.join(project.root, "refused.zip");
    const attempt = () => createArchive(project.config, { set: "study", withSite: true, out }).catch((e) => e);
    const dist = path.join(project.root, "dist");
    const events = pinned.behavioral_events!;
    const other = Object.values(pinned).find((v) => v !== events)!;

    await builtFrom("default", pinned);
    let error = await attempt();
    expect(isLabbookError(error, "E_VALIDATION")).toBe(true);
    expect(error.message).toBe(
      `the built site in ${dist} does not show pin set "study": it was built from pin set "default"`,
    );
    expect(error.details).toEqual(["Build it from this pin set first: LABBOOK_PINS=study npm run build"]);

    const { context_metadata: _dropped, ...fewer } = pinned;
    await builtFrom("study", { ...fewer, behavioral_events: other });
    error = await attempt();
    expect(error.message).toBe(
      `the built site in ${dist} does not show pin set "study": behavioral_events is ${shortVersion(other)} in the ` +
        `site, ${shortVersion(events)} pinned; context_metadata is pinned but not in the site`,
    );

    await rm(path.join(dist, "_file", "data"), { recursive: true });
    error = await attempt();
    expect(isLabbookError(error, "E_VALIDATION")).toBe(true);
    expect(error.message).toBe(
      `the built site in ${dist} records no provenance: which pins it shows cannot be checked`,
    );

    await builtFrom("default", pinned);
    const cli = await runCli(["archive", "study", "--with-site", "--out", out], project.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`error: the built site in ${dist} does not show pin set "study"`);
    expect(cli.stderr).toContain("LABBOOK_PINS=study npm run build");
    expect(existsSync(out)).toBe(false);
  });

  it("CLI: writes an archive, then --verify passes on it", async () => {
    const out = path.join(project.root, "cli.zip");
    const written = await runCli(["archive", "study", "--out", out, "--json"], project.env);
    expect(written.code, written.stderr).toBe(0);
    const result = JSON.parse(written.stdout);
    expect(result).toMatchObject({ path: out, pinSet: "study", site: false });
    expect(result.datasets.map((d: { version: string }) => d.version).sort()).toEqual(Object.values(pinned).sort());
    const verified = await runCli(["archive", "--verify", out], project.env);
    expect(verified.code, verified.stderr).toBe(0);
    // Each pinned version's object, or its manifest and partition objects; and the quality results' object.
    const objects = (await Promise.all(Object.values(pinned).map(storeNames))).flat().length + 1;
    expect(verified.stdout).toMatch(
      new RegExp(`^ok: ${result.files} files \\(${objects} objects, \\d+ bytes\\) match their hashes\n$`),
    );
  });

  it("verifies a good archive, and names the corrupt file in a bad one", async () => {
    const file = path.join(project.root, "v.zip");
    await createArchive(project.config, { set: "study", out: file });
    const check = await verifyZip(file);
    const stored = await Promise.all([...Object.values(pinned), qualityVersion].map(storeNames));
    expect(check.objects).toBe(stored.flat().length);
    expect(check.problems).toEqual([]);
    // Parquet objects are stored uncompressed in the zip: their footer magic "PAR1" is there as is. The corrupted one
    // is a partition object of the behavioral_events version.
    const parts = (await versionParts(project.config.dataDir, pinned.behavioral_events!))!;
    const part = parts[Math.floor(parts.length / 2)]!;
    const bytes = await readFile(part.file);
    await corrupt(file, bytes.subarray(bytes.length - 200, bytes.length - 100));
    const error = await verifyZip(file).catch((e) => e);
    expect(isLabbookError(error, "E_INTEGRITY")).toBe(true);
    const name = `data/${path.relative(project.config.dataDir, part.file)}`;
    expect(name).toBe(`data/objects/${hexOf(part.object).slice(0, 2)}/${hexOf(part.object)}.parquet`);
    expect(error.message).toBe(`${file} is corrupt: ${name}: does not hash to its version`);
    const cli = await runCli(["archive", "--verify", file], project.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(name);
  });

  it("names a corrupt file that is checked against the manifest", async () => {
    const file = path.join(project.root, "m.zip");
    await createArchive(project.config, { set: "study", out: file });
    const record = `lineage/behavioral_events/${hexOf(pinned.behavioral_events!)}.json`;
    // Turn one stored lineage record's text into a different one of the same length; deflate makes it unreadable or wrong.
    const { problems } = await checkZip(file);
    expect(problems).toEqual([]);
    const zipBytes = await readFile(file);
    const nameAt = zipBytes.indexOf(Buffer.from(record));
    expect(nameAt).toBeGreaterThan(0);
    // The entry's data follows its local header (30 bytes + name); damage a byte a little way in.
    zipBytes[nameAt + record.length + 40]! ^= 0x55;
    await writeFile(file, zipBytes);
    const after = await checkZip(file);
    expect(after.problems).toHaveLength(1);
    expect(after.problems[0]).toMatch(
      new RegExp(`^${record.replaceAll(".", "\\.")}: (unreadable|sha256 does not match)`),
    );
  });

  it("merges the quality results per dataset when a later check covered only some of the pinned versions", async () => {
    // A later `labbook check` of one dataset: the newest results mention a pinned version, but only that one.
    const later = (await checkVersions(project.config, { pins: "study", refs: ["behavioral_events"] })).results.version;
    const result = await createArchive(project.config, { set: "study", out: path.join(project.root, "merged.zip") });
    const from = Object.fromEntries(result.quality!.summary.map((q) => [q.dataset, q.results]));
    const others = Object.keys(pinned).filter((d) => d !== "behavioral_events");
    expect(Object.keys(from).sort()).toEqual(Object.keys(pinned).sort());
    expect(from.behavioral_events).toBe(later);
    for (const d of others) expect(from[d], d).toBe(qualityVersion);
    expect(result.quality!.versions.map((v) => v.version).sort()).toEqual([later, qualityVersion].sort());
    const names = await extractZip(result.path, path.join(project.root, "merged"));
    for (const v of [later, qualityVersion]) expect(names).toContain(`lineage/quality_results/${hexOf(v)}.json`);
  });

  it("refuses an unknown pin set, naming the sets", async () => {
    const error = await createArchive(project.config, { set: "nope" }).catch((e) => e);
    expect(isLabbookError(error, "E_NOT_FOUND")).toBe(true);
    expect(error.message).toBe('no pin set "nope" in lineage/pins.json');
    expect(error.details[0]).toBe("Pin sets: study.");
  });

  it("refuses --with-site when there is no built site", async () => {
    const bare = { ...project.config, root: path.join(project.root, "elsewhere") };
    const error = await createArchive(bare, {
      set: "study",
      withSite: true,
      out: path.join(project.root, "x.zip"),
    }).catch((e) => e);
    expect(isLabbookError(error, "E_NOT_FOUND")).toBe(true);
    expect(error.message).toBe(`no built site in ${path.join(project.root, "elsewhere", "dist")}`);
  });
});
