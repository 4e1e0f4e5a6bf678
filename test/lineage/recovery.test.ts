import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRecord, recordPath } from "../../loaders/lineage/catalog.ts";
import { parsePins } from "../../loaders/lineage/pins.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

/** The error a promise or a function ends with. */
async function failure(fn: () => unknown): Promise<Error & { code: string; details: string[] }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code: string; details: string[] };
  }
  throw new Error("expected a failure");
}

describe("errors for a damaged pins file or lineage record say how to recover", () => {
  let p: TestProject;
  beforeAll(async () => {
    p = await createProject();
  });
  afterAll(() => p.remove());

  it("points at git and at labbook versions for every way pins.json can be wrong", async () => {
    for (const text of ["{bad json", "[]", '{"default": 5}', '{"default": {"x": "nothex"}}']) {
      const e = await failure(() => parsePins(text, "lineage/pins.json"));
      expect(e.code, text).toBe("E_INTEGRITY");
      expect(e.details.join("\n"), text).toContain(
        'Restore the committed file with "git checkout -- lineage/pins.json"',
      );
      expect(e.details.join("\n"), text).toContain('"labbook versions <dataset>"');
    }
  });

  it("points at git and at labbook pull for an unreadable record", async () => {
    const version = await makeVersion(p.config, "experiment_protocols", protocolsSql(2), Date.now());
    const file = recordPath(p.config.lineageDir, "experiment_protocols", version);
    await writeFile(file, "{ truncated");
    const e = await failure(() => readRecord(p.config.lineageDir, "experiment_protocols", version));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.details.join("\n")).toContain(`"git checkout -- lineage/experiment_protocols/${version.slice(7)}.json"`);
    expect(e.details.join("\n")).toContain('"labbook pull"');
  });
});
