import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePins } from "../../loaders/lineage/pins.ts";
import { runCli } from "../util/cli.ts";
import { versionsFixture, type VersionsFixture } from "./_versions.ts";

describe("labbook versions", () => {
  let f: VersionsFixture;
  beforeAll(async () => {
    f = await versionsFixture();
    // The middle version is pinned by two sets, listed by name; the newest by one; the oldest by none.
    await writePins(f.project.config.lineageDir, {
      study_b: { behavioral_events: f.made[1]!.version },
      default: { behavioral_events: f.made[2]!.version },
      study_a: { behavioral_events: f.made[1]!.version },
    });
  });
  afterAll(async () => {
    await f?.remove();
  });

  it("lists a dataset's versions newest first: short id, time, rows, size, job, parameters and pin sets", async () => {
    const { code, stdout } = await runCli(["versions", "behavioral_events"], f.env);
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["version", "created", "rows", "size", "job", "parameters", "pinned in"]);
    expect(rows).toHaveLength(3);
    const cells = rows.map((r) => r.split(/\s{2,}/).map((c) => c.trim()));
    const [newest, middle, oldest] = [f.made[2]!, f.made[1]!, f.made[0]!];
    expect(cells).toEqual([
      [
        newest.version.slice(7, 19),
        f.times[2],
        String(newest.rowCount),
        String(newest.size),
        "ingest.behavioral_events",
        `userId=${f.pseudonym}`,
        "default",
      ],
      [
        middle.version.slice(7, 19),
        f.times[1],
        String(middle.rowCount),
        String(middle.size),
        "ingest.behavioral_events",
        "since=2025-06-10",
        "study_a, study_b",
      ],
      [
        oldest.version.slice(7, 19),
        f.times[0],
        String(oldest.rowCount),
        String(oldest.size),
        "ingest.behavioral_events",
        "-",
        "-",
      ],
    ]);
  });

  it("--json gives the same entries with full versions", async () => {
    const { code, stdout } = await runCli(["versions", "behavioral_events", "--json"], f.env);
    expect(code).toBe(0);
    const entries = JSON.parse(stdout);
    expect(entries.map((e: { version: string }) => e.version)).toEqual([...f.made].reverse().map((m) => m.version));
    expect(entries[0]).toEqual({
      dataset: "behavioral_events",
      version: f.made[2]!.version,
      createdAt: f.times[2],
      rowCount: f.made[2]!.rowCount,
      size: f.made[2]!.size,
      job: "ingest.behavioral_events",
      parameters: expect.objectContaining({ filters: { userId: f.pseudonym }, validation: "strict", naming: "pascal" }),
      pinnedIn: ["default"],
    });
    expect(entries.map((e: { pinnedIn: string[] }) => e.pinnedIn)).toEqual([["default"], ["study_a", "study_b"], []]);
  });

  it("says when a dataset has no versions yet", async () => {
    const text = await runCli(["versions", "context_metadata"], f.env);
    expect(text).toMatchObject({ code: 0, stdout: "", stderr: "no versions of context_metadata yet\n" });
    const json = await runCli(["versions", "context_metadata", "--json"], f.env);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it.each([
    [["versions"], "error: labbook versions: name one dataset"],
    [["versions", "nope"], "error: unknown dataset: nope"],
    [["versions", "../etc"], "error: unknown dataset: ../etc"],
  ])("exits 2 on %j", async (args, message) => {
    const { code, stderr } = await runCli(args, f.env);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe(message);
  });
});
