import type { CommandDef } from "./command.ts";
import { commands } from "./registry.ts";

export function mainHelp(version: string): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  return [
    `labbook ${version}: versioned research datasets and reports built from pins`,
    "",
    "Usage: labbook <command> [options]",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)}  ${commands[n]!.summary}`),
    "",
    "Options:",
    "  --help     Show help (also after a command: labbook <command> --help)",
    "  --version  Print the version",
    "",
    "Configuration comes from the environment or .env: DATABASE_URL, LABBOOK_REMOTE, DUCKDB_DB_PATH, LABBOOK_PINS.",
    "Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.",
  ].join("\n");
}

export function commandHelp(def: CommandDef): string {
  const options = Object.entries(def.options ?? {}).map(([name, o]) => {
    const flag = `--${name}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`;
    return [o.short ? `-${o.short}, ${flag}` : `    ${flag}`, o.description] as const;
  });
  if (def.json !== false) options.push(["    --json", "Print machine-readable JSON on stdout"]);
  options.push(["-h, --help", "Show this help"]);
  const width = Math.max(...options.map(([f]) => f.length));
  const lines = [`Usage: labbook ${def.name} ${def.usage}`.trimEnd(), "", def.description, "", "Options:"];
  lines.push(...options.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`));
  if (def.examples?.length) lines.push("", "Examples:", ...def.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}
