import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../loaders/datasets/index.ts";
import { findVersion } from "../../loaders/lineage/catalog.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

const unknown = `error: unknown dataset: nosuch\n  Known datasets: ${datasets.map((d) => d.name).join(", ")}.\n`;

describe("findVersion of a dataset without versions", () => {
  let p: TestProject;
  beforeAll(async () => {
    p = await createProject();
    const version = await makeVersion(p.config, "experiment_protocols", protocolsSql(2), Date.now());
    await writePins(p.config.lineageDir, { exp: { experiment_protocols: version } });
  });
  afterAll(() => p.remove());

  it("says how to make the first version: ingest, run or check, by how the dataset is made", async () => {
    for (const [dataset, command] of [
      ["behavioral_events", "labbook ingest behavioral_events"],
      ["events_dedup", "labbook run events_dedup"],
      ["quality_results", "labbook check"],
    ]) {
      await expect(findVersion(p.config.lineageDir, dataset!, undefined)).rejects.toMatchObject({
        code: "E_NOT_FOUND",
        message: `no versions of ${dataset}`,
        details: [`Run "${command}" first, or "labbook pull".`],
      });
    }
  });

  it("is a usage error listing the datasets when the name is no dataset at all", async () => {
    await expect(findVersion(p.config.lineageDir, "nosuch", undefined)).rejects.toMatchObject({
      code: "E_USAGE",
      exitCode: 2,
      message: "unknown dataset: nosuch",
    });
  });

  it.each([
    [["pin", "exp", "nosuch"]],
    [["export", "nosuch", "--format", "csv"]],
    [["export", "nosuch", "--format", "csv", "--pins", "exp"]],
    [["verify", "nosuch@latest"]],
  ])("labbook %j exits 2 listing the known datasets", async (args) => {
    expect(await runCli(args, p.env)).toMatchObject({ code: 2, stdout: "", stderr: unknown });
  });

  it("points at labbook run for a derived dataset with no versions", async () => {
    expect(await runCli(["show", "events_dedup@latest"], p.env)).toMatchObject({
      code: 1,
      stderr: 'error: no versions of events_dedup\n  Run "labbook run events_dedup" first, or "labbook pull".\n',
    });
  });
});
