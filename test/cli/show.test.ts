import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateParametersPath, readPrivateParameters } from "../../loaders/lineage/private-parameters.ts";
import { runCli } from "../util/cli.ts";
import { versionsFixture, type VersionsFixture } from "./_versions.ts";

describe("labbook show", () => {
  let f: VersionsFixture;
  const record = async (version: string) =>
    JSON.parse(
      await readFile(path.join(f.project.config.lineageDir, "behavioral_events", `${version.slice(7)}.json`), "utf8"),
    );
  beforeAll(async () => {
    f = await versionsFixture();
  });
  afterAll(async () => {
    await f?.remove();
  });

  it("prints the latest version's lineage record as JSON", async () => {
    const { code, stdout } = await runCli(["show", "behavioral_events@latest"], f.env);
    expect(code).toBe(0);
    const shown = JSON.parse(stdout);
    expect(shown).toEqual(await record(f.made[2]!.version));
    expect(shown).toMatchObject({
      eventType: "COMPLETE",
      eventTime: f.times[2],
      job: { namespace: "labbook", name: "ingest.behavioral_events" },
      outputs: [{ name: "behavioral_events", outputFacets: { outputStatistics: { rowCount: f.made[2]!.rowCount } } }],
    });
  });

  it("shows a --user-id run's pseudonym: the committed record holds no raw id, local state keeps it", async () => {
    const version = f.made[2]!.version;
    const { code, stdout } = await runCli(["show", `behavioral_events@${version.slice(7, 19)}`], f.env);
    expect(code).toBe(0);
    expect(f.pseudonym).toMatch(/^u-[0-9a-f]{12}$/);
    const parameters = JSON.parse(stdout).run.facets.labbook_parameters.parameters;
    expect(parameters.filters).toEqual({ userId: f.pseudonym });
    expect(parameters.boundParameters).toEqual({ "labbook.user_id": f.pseudonym });
    const text = await readFile(
      path.join(f.project.config.lineageDir, "behavioral_events", `${version.slice(7)}.json`),
      "utf8",
    );
    expect(text).not.toContain(f.userId);
    expect(await readPrivateParameters(f.project.config, "behavioral_events", version)).toEqual({
      filters: { userId: f.userId },
    });
    expect(privateParametersPath(f.project.config, "behavioral_events", version)).toContain(
      `${f.project.config.dataDir}${path.sep}`,
    );
  });

  it.each([
    ["a 12-digit prefix", (v: string) => v.slice(7, 19)],
    ["an 8-digit prefix", (v: string) => v.slice(7, 15)],
    ["the full version", (v: string) => v],
  ])("finds an older version by %s, with or without --json", async (_what, ref) => {
    const version = f.made[0]!.version;
    for (const extra of [[], ["--json"]]) {
      const { code, stdout } = await runCli(["show", `behavioral_events@${ref(version)}`, ...extra], f.env);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual(await record(version));
    }
  });

  it.each([
    [["show", "behavioral_events@deadbeef"], 1, /^error: no version deadbeef of behavioral_events\n {2}Known: /],
    [["show", "context_metadata@latest"], 1, /^error: no versions of context_metadata\n/],
    [["show", "behavioral_events@xyz"], 2, /^error: invalid version "xyz" in "behavioral_events@xyz"/],
    [["show", "../etc@latest"], 2, /^error: invalid dataset name "\.\.\/etc"/],
    [["show", "nope@latest"], 2, /^error: unknown dataset: nope\n/],
    [["show"], 2, /^error: labbook show: give one <dataset>@<version\|latest>/],
  ])("fails clearly on %j", async (args, exit, message) => {
    const { code, stdout, stderr } = await runCli(args, f.env);
    expect(code).toBe(exit);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
  });
});
