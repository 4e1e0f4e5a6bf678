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
  it("--help lists every registered command", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: labbook <command> \[options\]$/m);
    expect(listedCommands(stdout)).toEqual(Object.keys(commands));
  });

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

  it.each(Object.keys(commands))("%s --help prints its usage and exits 0", async (name) => {
    const { code, stdout } = await runCli([name, "--help"]);
    expect(code).toBe(0);
    expect(stdout.startsWith(`Usage: labbook ${name}`)).toBe(true);
    expect(stdout).toContain("  -h, --help");
  });
});

describe("labbook seed (usage)", () => {
  it("--help prints usage, options and examples", async () => {
    const { code, stdout } = await runCli(["seed", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "Usage: labbook seed [--users N] [--days D] [--events N] [--seed S] [--naming pascal|snake] [--defects] [--replace]

      Create the application tables and fill them with deterministic synthetic research data: users, ABAB protocols
      with randomized phase lengths, behavioral events whose daily score carries a known per-user intervention effect,
      and context metadata. The same options give the same rows, byte for byte.

      With no DATABASE_URL it seeds the embedded PostgreSQL, replacing earlier demo data. Against DATABASE_URL it
      refuses to replace tables that hold rows unless --replace is given.

      Options:
            --users N      Users (default 60)
            --days D       Days of activity from the fixed epoch 2025-06-02 (default 120)
            --events N     Behavioral events in total (default 200,000)
            --seed S       Random seed (default 42)
            --naming NAME  Table naming: "pascal" ("BehavioralEvent", enum types) or "snake" (behavioral_events, text enums); default pascal
            --defects      Plant known defects (duplicates, an unknown phase label, a gap, an out-of-range score, a low-volume day)
            --replace      Replace tables that already hold rows in a DATABASE_URL database
            --json         Print machine-readable JSON on stdout
        -h, --help         Show this help

      Examples:
        labbook seed
        labbook seed --events 100000 --seed 7
        labbook seed --naming snake --users 200 --days 90
      "
    `);
  });

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
