import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectPath } from "../../loaders/store/objects.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

const T0 = Date.parse("2025-07-01T00:00:00Z");

describe("pin, unpin and pins", () => {
  let p: TestProject;
  let e1: string;
  let e2: string;
  let ph: string;
  const cli = (...args: string[]) => runCli(args, p.env);
  const pinsFile = () => readFile(path.join(p.config.lineageDir, "pins.json"), "utf8");

  beforeAll(async () => {
    p = await createProject({ git: true });
    e1 = await makeVersion(p.config, "experiment_protocols", protocolsSql(3), T0);
    e2 = await makeVersion(p.config, "experiment_protocols", protocolsSql(4), T0 + 1000);
    ph = await makeVersion(p.config, "phase_assignments", protocolsSql(2), T0 + 2000);
  });
  afterAll(() => p.remove());

  it("pins the latest by default, a prefix when given, and writes stable-sorted pins.json", async () => {
    let r = await cli("pin", "zeta", "phase_assignments", `experiment_protocols@${e1.slice(7, 15)}`);
    expect(r.code, r.stderr).toBe(0);
    r = await cli("pin", "alpha", "--all", "--json");
    expect(JSON.parse(r.stdout).changes).toEqual([
      { set: "alpha", dataset: "experiment_protocols", version: e2, previous: null },
      { set: "alpha", dataset: "phase_assignments", version: ph, previous: null },
    ]);
    expect(await pinsFile()).toBe(
      JSON.stringify(
        {
          alpha: { experiment_protocols: e2, phase_assignments: ph },
          zeta: { experiment_protocols: e1, phase_assignments: ph },
        },
        null,
        2,
      ) + "\n",
    );
  });

  it("refuses a version that does not exist, naming the close matches, and leaves pins.json alone", async () => {
    const before = await pinsFile();
    // Same first two hex digits as e1, then a mismatch.
    const wrong = `${e1.slice(7, 9)}${e1[9] === "0" ? "1" : "0"}00000000`;
    const r = await cli("pin", "zeta", `experiment_protocols@${wrong}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: no version ${wrong} of experiment_protocols`);
    expect(r.stderr).toContain(`Close matches: ${shortVersion(e1)}`);
    expect(await pinsFile()).toBe(before);
  });

  it("pins a version whose object is not in the store, and warns that builds need it pulled", async () => {
    const r0 = await cli("pin", "beta", `experiment_protocols@${e2.slice(7, 15)}`);
    expect(r0.stderr).not.toContain("not in the local store");
    await rm(objectPath(p.config.dataDir, e1));
    const r = await cli("pin", "beta", `experiment_protocols@${e1.slice(7, 15)}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `warning: experiment_protocols@${shortVersion(e1)} is not in the local store (removed by gc, or never pulled): ` +
        'builds from "beta" fail until "labbook pull --pins beta" fetches it',
    );
    expect(JSON.parse(await pinsFile()).beta).toEqual({ experiment_protocols: e1 });
    expect((await cli("unpin", "beta")).code).toBe(0);
  });

  it("unpins one dataset or a whole set", async () => {
    expect((await cli("unpin", "zeta", "phase_assignments")).code).toBe(0);
    expect((await cli("unpin", "alpha")).code).toBe(0);
    expect(JSON.parse(await pinsFile())).toEqual({ zeta: { experiment_protocols: e1 } });
    const r = await cli("unpin", "zeta", "phase_assignments");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pin set "zeta" does not pin phase_assignments');
  });

  it("pins --rev at an older tag returns that tag's pins", async () => {
    await p.commitLineage("pin e1");
    await p.git("tag", "-a", "v1.0", "-m", "first analysis");
    await cli("pin", "zeta", "experiment_protocols");
    await cli("pin", "default", "phase_assignments");
    await p.commitLineage("pin e2");
    await p.git("tag", "v2.0");

    const at = async (rev?: string) => JSON.parse((await cli("pins", ...(rev ? ["--rev", rev] : []), "--json")).stdout);
    expect(await at("v1.0")).toEqual({ zeta: { experiment_protocols: e1 } });
    const now = { default: { phase_assignments: ph }, zeta: { experiment_protocols: e2 } };
    expect(await at("v2.0")).toEqual(now);
    expect(await at()).toEqual(now);
    expect(await at("main~1")).toEqual({ zeta: { experiment_protocols: e1 } });
    const human = await cli("pins", "--rev", "v1.0");
    expect(human.stdout).toMatch(new RegExp(`zeta\\s+experiment_protocols\\s+${shortVersion(e1)}`));
    const unknown = await cli("pins", "--rev", "v9.9");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown git revision "v9.9"');
  });

  it("pins --rev fails, rather than reading no pins, when that commit's tree object is missing", async () => {
    const tree = await p.git("rev-parse", "v1.0^{tree}");
    await rm(path.join(p.root, ".git", "objects", tree.slice(0, 2), tree.slice(2)));
    const r = await cli("pins", "--rev", "v1.0");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/cannot read lineage\/pins\.json at [0-9a-f]{12}: /);
    expect(r.stderr).toContain("git fsck");
    const json = await cli("pins", "--rev", "v1.0", "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe("E_IO");
  });
});
