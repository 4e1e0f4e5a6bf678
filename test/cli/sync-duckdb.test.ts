import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../util/cli.ts";
import { seededProject, pinsOf, type SeededProject } from "../util/seeded.ts";

describe("labbook sync-duckdb and ingest --sync-duckdb", () => {
  let project: SeededProject;
  beforeAll(async () => {
    project = await seededProject();
    await project.pin(
      pinsOf("default", await project.ingest("behavioral_events", { filters: { since: "2025-06-10" } })),
    );
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("ingest --sync-duckdb loads the pin set and names a new version that is not pinned", async () => {
    const { code, stderr } = await runCli(["ingest", "behavioral_events", "--sync-duckdb"], project.env);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /sync-duckdb: behavioral_events@[0-9a-f]{12} is not pinned in "default"; run "labbook pin default behavioral_events"/,
    );
    expect(stderr).toMatch(/research\.behavioral_events: [0-9a-f]{12} \(\d+ rows\)/);
    const again = await runCli(["sync-duckdb", "--json"], project.env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ noop: true, pinSet: "default", unchanged: ["behavioral_events"] });
  });
});
