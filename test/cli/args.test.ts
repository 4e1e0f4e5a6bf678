import { describe, expect, it } from "vitest";
import { joinNegativeNumbers } from "../../loaders/cli/args.ts";
import { runCli } from "../util/cli.ts";
import { createProject } from "../util/project.ts";

describe("joinNegativeNumbers", () => {
  const options = { days: { type: "string" }, force: { type: "boolean" } };

  it("joins a negative number to the option that takes it, and nothing else", () => {
    expect(joinNegativeNumbers(["--days", "-1", "x"], options)).toEqual(["--days=-1", "x"]);
    expect(joinNegativeNumbers(["--days", "-2.5"], options)).toEqual(["--days=-2.5"]);
    expect(joinNegativeNumbers(["--days", "--force"], options)).toEqual(["--days", "--force"]);
    expect(joinNegativeNumbers(["--force", "-1"], options)).toEqual(["--force", "-1"]);
    expect(joinNegativeNumbers(["--", "--days", "-1"], options)).toEqual(["--", "--days", "-1"]);
  });

  it("lets the option's own rule answer a negative number, as a usage error", async () => {
    const p = await createProject();
    try {
      for (const [args, rule] of [
        [["run", "--mode", "recent", "--days", "-1"], '--days takes a whole number of at least 1, got "-1"'],
        [["gc", "--keep-last", "-1"], '--keep-last takes a whole number of at least 0, got "-1"'],
      ] as const) {
        expect(await runCli([...args], p.env)).toMatchObject({ code: 2, stdout: "", stderr: `error: ${rule}\n` });
      }
    } finally {
      await p.remove();
    }
  });
});
