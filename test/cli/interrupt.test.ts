import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../loaders/cli/invoke.ts";
import { readPins } from "../../loaders/lineage/pins.ts";
import { memoryLogger } from "../../loaders/log.ts";
import { acquireLock } from "../../loaders/lock.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

const DATASET = "experiment_protocols";

/**
 * An interrupt's exit code and message say what the store holds: an interrupt that arrives once a command has
 * committed its work does not report 130 ("nothing changed"), and one that stops a command names what it had
 * committed before.
 */
describe("interrupts tell the truth", () => {
  let project: TestProject;
  let version: string;
  beforeEach(async () => {
    project = await createProject();
    version = await makeVersion(project.config, DATASET, protocolsSql(3), Date.UTC(2025, 0, 1));
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await project.remove();
  });

  it("exits 0 and says the pin was committed when the interrupt arrives right after the commit", async () => {
    const controller = new AbortController();
    const log = memoryLogger();
    const config = { ...project.config, onCommit: () => controller.abort() };
    const code = await main(["pin", "default", DATASET], controller.signal, { config, log });
    expect(controller.signal.aborted).toBe(true);
    expect((await readPins(project.config.lineageDir)).default).toEqual({ [DATASET]: version });
    expect(code).toBe(0);
    expect(log.lines).toContain(
      'warning: interrupted after the work was done: committed pin set "default" in lineage/pins.json; nothing was undone',
    );
  });

  it("exits 130 and changes nothing when the interrupt arrives before the commit", async () => {
    const lock = await acquireLock(project.config.dataDir);
    const controller = new AbortController();
    const log = memoryLogger();
    setTimeout(() => controller.abort(), 200);
    const code = await main(["pin", "default", DATASET], controller.signal, { config: project.config, log });
    await lock.release();
    expect(code).toBe(130);
    expect(log.lines).toContain("warning: interrupted");
    expect(await readPins(project.config.lineageDir)).toEqual({});
  });
});
