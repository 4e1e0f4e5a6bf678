import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignCommands, chaosTable, cli, runChaos, type ChaosProject } from "../../bench/chaos.ts";
import { pin } from "../../loaders/lineage/pin.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

/**
 * The fault campaign, small and with a fixed seed: pin, gc and push (the commands that need no database or site) are
 * each killed twice, node alone and its whole group, and after each kill the store verifies, the command runs again,
 * and no debris stays. `npm run bench -- chaos` runs all six commands many times.
 */
describe("chaos: kill -9 at random moments", () => {
  let project: TestProject;
  let chaos: ChaosProject;
  beforeAll(async () => {
    project = await createProject();
    chaos = { root: project.root, env: { ...project.env, LABBOOK_REMOTE: path.join(project.root, "remote") } };
    for (let i = 0; i < 4; i++)
      await makeVersion(project.config, "experiment_protocols", protocolsSql(20 + i), Date.UTC(2025, 0, 1 + i));
    await pin(project.config, "default", "all");
  });
  afterAll(() => project?.remove());

  it("holds: every kill leaves a store that verifies, a command that runs again, and no debris", async () => {
    const commands = campaignCommands(chaos).filter((c) => ["pin", "gc", "push"].includes(c.name));
    const windows: Record<string, number> = {};
    for (const c of commands) {
      await c.prepare?.();
      const started = performance.now();
      expect(
        (
          await cli(
            chaos,
            c.args(() => 0.5),
          )
        ).code,
      ).toBe(0);
      windows[c.name] = performance.now() - started;
    }
    const trials = await runChaos(chaos, commands, { kills: 2, seed: 15, windows });
    expect(
      trials.filter((t) => t.problems.length),
      chaosTable(trials),
    ).toEqual([]);
    // Each command killed twice, or given up on after four trials that all finished before their kill.
    for (const c of commands) {
      const of = trials.filter((t) => t.command === c.name);
      const killed = of.filter((t) => t.killed).length;
      expect(killed === 2 || (killed < 2 && of.length === 4), chaosTable(trials)).toBe(true);
      expect(of.length).toBeLessThanOrEqual(4);
    }
  });
});
