import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSql } from "../../loaders/deliver/sql.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { createTestProject, type TestProject } from "./_project.ts";

describe("runSql", () => {
  let project: TestProject;
  let small: { version: string; rowCount: number };
  let full: { version: string; rowCount: number };

  beforeAll(async () => {
    project = await createTestProject();
    small = (await project.ingest("behavioral_events", { filters: { since: "2025-06-15" } }))[0]!;
    full = (await project.ingest("behavioral_events"))[0]!;
    const context = (await project.ingest("context_metadata"))[0]!.version;
    await project.pin({
      default: { behavioral_events: full.version, context_metadata: context },
      recent: { behavioral_events: small.version },
    });
  });
  afterAll(async () => {
    await project?.dispose();
  });

  it("sees each pinned dataset as a view by its name, at the pinned version", async () => {
    const q = "SELECT count(*) AS n, min(timestamp) AS first FROM behavioral_events";
    const all = await runSql(project.config, q);
    expect(all.pinSet).toBe("default");
    expect(all.rows).toEqual([{ n: full.rowCount, first: "2025-06-02T06:13:47.701Z" }]);
    expect(all.columns).toEqual([
      { name: "n", type: "BIGINT" },
      { name: "first", type: "TIMESTAMP WITH TIME ZONE" },
    ]);
    const recent = await runSql(project.config, q, { pins: "recent" });
    expect(recent.rows[0]!.n).toBe(small.rowCount);
    expect(recent.views).toEqual({ behavioral_events: small.version });
  });

  it("joins pinned datasets", async () => {
    const { rows } = await runSql(
      project.config,
      `SELECT count(DISTINCT e.userId) AS users FROM behavioral_events e JOIN context_metadata c USING (userId)`,
    );
    expect(rows[0]!.users).toBeGreaterThan(0);
  });

  it("fails naming the views when a query refers to something that is not pinned", async () => {
    const error = await runSql(project.config, "SELECT * FROM context_metadata", { pins: "recent" }).catch((e) => e);
    expect(isLabbookError(error, "E_USAGE")).toBe(true);
    expect(error.message).toMatch(/^query failed: Catalog Error: Table with name context_metadata does not exist/);
    expect(error.details).toEqual(['Views of pin set "recent": behavioral_events.']);
  });
});
