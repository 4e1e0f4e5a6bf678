import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pin } from "../../loaders/lineage/pin.ts";
import { readPins } from "../../loaders/lineage/pins.ts";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

const T0 = Date.parse("2025-07-01T00:00:00Z");

describe("labbook unpin --json", () => {
  let p: TestProject;
  let protocols: string;
  let phases: string;
  beforeAll(async () => {
    p = await createProject();
    protocols = await makeVersion(p.config, "experiment_protocols", protocolsSql(3), T0);
    phases = await makeVersion(p.config, "phase_assignments", protocolsSql(4), T0 + 1000);
    await pin(p.config, "study", [
      { dataset: "experiment_protocols", version: protocols },
      { dataset: "phase_assignments", version: phases },
    ]);
    await pin(p.config, "other", [{ dataset: "experiment_protocols", version: protocols }]);
  });
  afterAll(() => p.remove());

  it("prints the set and each removed pin with the version it had", async () => {
    const r = await runCli(["unpin", "study", "phase_assignments", "--json"], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      set: "study",
      changes: [{ set: "study", dataset: "phase_assignments", version: null, previous: phases }],
    });
    expect(await readPins(p.config.lineageDir)).toEqual({
      other: { experiment_protocols: protocols },
      study: { experiment_protocols: protocols },
    });
  });

  it("lists every pin of a whole set it removes", async () => {
    const r = await runCli(["unpin", "other", "--json"], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      set: "other",
      changes: [{ set: "other", dataset: "experiment_protocols", version: null, previous: protocols }],
    });
    expect(Object.keys(await readPins(p.config.lineageDir))).toEqual(["study"]);
  });

  it("fails as JSON, naming what the set pins, for a dataset it does not pin", async () => {
    const r = await runCli(["unpin", "study", "phase_assignments", "--json"], p.env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toEqual({
      code: "E_NOT_FOUND",
      message: 'pin set "study" does not pin phase_assignments',
      details: ["It pins: experiment_protocols."],
    });
  });
});
