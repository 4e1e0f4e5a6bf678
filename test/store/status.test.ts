import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pin } from "../../loaders/lineage/pin.ts";
import { directoryRemote } from "../../loaders/remote/dir.ts";
import { push } from "../../loaders/remote/push.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { pinStatus } from "../../loaders/store/status.ts";
import { readPins } from "../../loaders/lineage/pins.ts";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

const T0 = Date.parse("2025-07-01T00:00:00Z");

describe("status", () => {
  let p: TestProject;
  let remoteDir: string;
  let e: string;
  let ph: string;
  let other: string;
  beforeAll(async () => {
    remoteDir = await mkdtemp(path.join(tmpdir(), "labbook-remote-"));
    p = await createProject({ remote: remoteDir });
    // 10 protocols starting 2025-06-01 … 2025-06-10; 5 phases starting 2025-06-01 … 2025-06-05.
    e = await makeVersion(p.config, "experiment_protocols", protocolsSql(10), T0);
    ph = await makeVersion(p.config, "phase_assignments", protocolsSql(5), T0 + 3_600_000);
    other = await makeVersion(p.config, "context_metadata", "SELECT 1 AS id, 'x' AS note", T0);
    await pin(p.config, "default", [
      { dataset: "experiment_protocols", version: e },
      { dataset: "phase_assignments", version: ph },
      { dataset: "context_metadata", version: other },
    ]);
    const remote = directoryRemote(remoteDir);
    await push(p.config, remote, [{ dataset: "phase_assignments", version: ph }]);
    await rm(objectPath(p.config.dataDir, ph));
    await rm(objectPath(p.config.dataDir, other));
  });
  afterAll(async () => {
    await p.remove();
    await rm(remoteDir, { recursive: true, force: true });
  });

  it("shows where each pinned object is, its age and the freshness of its newest row", async () => {
    const now = Date.parse("2025-07-02T00:00:00Z");
    const rows = await pinStatus(p.config, await readPins(p.config.lineageDir), "default", {
      remote: directoryRemote(remoteDir),
      clock: () => now,
    });
    expect(rows).toEqual([
      {
        dataset: "context_metadata",
        version: other,
        local: false,
        remote: false,
        state: "missing",
        createdAt: "2025-07-01T00:00:00.000Z",
        ageSeconds: 86_400,
        timeColumn: null,
        newestRow: null,
        freshnessSeconds: null,
        problem: null,
      },
      {
        dataset: "experiment_protocols",
        version: e,
        local: true,
        remote: false,
        state: "local",
        createdAt: "2025-07-01T00:00:00.000Z",
        ageSeconds: 86_400,
        timeColumn: "startDate",
        newestRow: "2025-06-10T00:00:00.000Z",
        freshnessSeconds: 22 * 86_400,
        problem: null,
      },
      {
        dataset: "phase_assignments",
        version: ph,
        local: false,
        remote: true,
        state: "remote",
        createdAt: "2025-07-01T01:00:00.000Z",
        ageSeconds: 82_800,
        timeColumn: null,
        newestRow: null,
        freshnessSeconds: null,
        problem: null,
      },
    ]);
  });

  it("prints a table, and JSON with the set and the remote", async () => {
    const r = await runCli(["status"], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/experiment_protocols\s+\w{12}\s+local\s+no\s+\S+ \S+\s+2025-06-10T00:00:00.000Z/);
    expect(r.stdout).toMatch(/phase_assignments\s+\w{12}\s+remote\s+yes/);
    const json = JSON.parse((await runCli(["status", "--json"], { ...p.env, LABBOOK_REMOTE: "" })).stdout);
    expect(json.remote).toBeNull();
    expect(json.datasets.map((d: { state: string }) => d.state)).toEqual(["missing", "local", "missing"]);
  });

  it("calls a pin of an unknown dataset or of a version with no record invalid, says what to do, and exits 1", async () => {
    const ghost = `sha256:${"ab".repeat(32)}`;
    const pins = { ...(await readPins(p.config.lineageDir)) };
    pins.broken = { experiment_protocols: e, ghost_ds: e, phase_assignments: ghost };
    await writeFile(path.join(p.config.lineageDir, "pins.json"), JSON.stringify(pins));
    const rows = await pinStatus(p.config, pins, "broken");
    expect(rows.map((r) => [r.dataset, r.problem])).toEqual([
      ["experiment_protocols", null],
      ["ghost_ds", "no dataset of this name is defined"],
      ["phase_assignments", "no lineage record of this version"],
    ]);
    const r = await runCli(["status", "--pins", "broken"], p.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ghost_ds\s+\w{12}\s+invalid/);
    expect(r.stderr).toContain("warning: pin broken.ghost_ds = ");
    expect(r.stderr).toContain('repin with "labbook pin broken <dataset>@<version>"');
  });
});
