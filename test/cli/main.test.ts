import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../loaders/config.ts";
import { commands } from "../../loaders/cli/registry.ts";
import { runCli } from "../util/cli.ts";

/** The command names listed under "Commands:" in the main help. */
function listedCommands(help: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf("Commands:") + 1;
  const end = lines.indexOf("", start);
  return lines.slice(start, end).map((line) => line.trim().split(/\s+/)[0]!);
}

describe("labbook", () => {
  it("with no arguments prints the help and exits 2", async () => {
    const { code, stdout } = await runCli([]);
    expect(code).toBe(2);
    expect(listedCommands(stdout)).toEqual(Object.keys(commands));
  });

  it("--version prints the version from package.json", async () => {
    const { version } = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8"));
    const { code, stdout } = await runCli(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it("exits 2 on an unknown command", async () => {
    const { code, stdout, stderr } = await runCli(["nope"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe('error: unknown command: nope\n  Run "labbook --help" to list the commands.\n');
  });
});

describe("labbook seed (usage)", () => {
  it("exits 2 on an unknown option, naming it", async () => {
    const { code, stdout, stderr } = await runCli(["seed", "--bogus"], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/x",
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: labbook seed: Unknown option '--bogus'/);
    expect(stderr).toContain('Run "labbook seed --help".');
  });

  it("exits 2 when --events is not a whole number", async () => {
    const { code, stderr } = await runCli(["seed", "--events", "abc"], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/x",
    });
    expect(code).toBe(2);
    expect(stderr).toBe('error: --events takes a whole number from 0 to 1000000000, got "abc"\n');
  });

  it("exits 2 on an unknown naming, and reports the error as JSON with --json", async () => {
    const { code, stdout } = await runCli(["seed", "--naming", "camel", "--json"], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/x",
    });
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      error: { code: "E_USAGE", message: '--naming takes one of pascal, snake, got "camel"', details: [] },
    });
  });
});
