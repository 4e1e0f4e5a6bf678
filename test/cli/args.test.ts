import { describe, expect, it } from "vitest";
import { intOption, joinNegativeNumbers, stringOption } from "../../loaders/cli/args.ts";
import { isLabbookError } from "../../loaders/errors.ts";
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
        [["run", "--mode", "recent", "--days", "-1"], '--days takes a whole number from 1 to 100000, got "-1"'],
        [["gc", "--keep-last", "-1"], '--keep-last takes a whole number of at least 0, got "-1"'],
      ] as const) {
        expect(await runCli([...args], p.env)).toMatchObject({ code: 2, stdout: "", stderr: `error: ${rule}\n` });
      }
    } finally {
      await p.remove();
    }
  });
});

describe("option values", () => {
  const usage = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return isLabbookError(e, "E_USAGE") ? e.message : `not a usage error: ${String(e)}`;
    }
    return "accepted";
  };

  it("takes whole numbers in digits within the option's range", () => {
    expect(intOption({ days: "30" }, "days", 0, 1, 100)).toBe(30);
    expect(intOption({}, "days", 7, 1, 100)).toBe(7);
    expect(usage(() => intOption({ days: "101" }, "days", 0, 1, 100))).toBe(
      '--days takes a whole number from 1 to 100, got "101"',
    );
    for (const raw of ["99999999999999999999", "1e3", "0x10", "2.0", "", " "])
      expect(
        usage(() => intOption({ n: raw }, "n", 0)),
        raw,
      ).toBe(`--n takes a whole number of at least 0, got "${raw}"`);
  });

  it("refuses an empty string value", () => {
    expect(stringOption({ "user-id": "u1" }, "user-id")).toBe("u1");
    expect(usage(() => stringOption({ "user-id": "" }, "user-id"))).toBe(
      "--user-id takes a value, got an empty string",
    );
  });

  it("answers numbers past what a date holds, and empty values, as usage errors before anything starts", async () => {
    const p = await createProject();
    try {
      const cases = [
        [["ingest", "behavioral_events", "--days", "99999999999"], "--days takes a whole number from 1 to 100000"],
        [["offload", "--days-old", "99999999999"], "--days-old takes a whole number from 0 to 100000"],
        [["seed", "--days", "99999999999"], "--days takes a whole number from 1 to 100000"],
        [["ingest", "context_metadata", "--user-id", ""], "--user-id takes a value, got an empty string"],
        [["export", "experiment_protocols", "--format", "csv", "--out", ""], "--out takes a value"],
      ] as const;
      // A database that is never reached: every case fails before connecting.
      const env = { ...p.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
      const results = await Promise.all(cases.map(([args]) => runCli([...args, "--json"], env)));
      results.forEach((r, i) => {
        expect(r.code, r.stderr).toBe(2);
        expect(JSON.parse(r.stdout).error.code).toBe("E_USAGE");
        expect(r.stderr).toContain(cases[i]![1]);
      });
    } finally {
      await p.remove();
    }
  });
});
