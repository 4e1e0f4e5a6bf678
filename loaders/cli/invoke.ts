import { parseArgs } from "node:util";
import { loadConfig, loadDotEnv, type Config } from "../config.ts";
import { printError, usageError } from "../errors.ts";
import { stderrLogger, type Logger } from "../log.ts";
import { hideSecrets as hide } from "../sources/database-url.ts";
import { labbookVersion } from "../version.ts";
import { joinNegativeNumbers } from "./args.ts";
import type { CommandContext, CommandDef } from "./command.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { commands } from "./registry.ts";

export interface MainEffects {
  /** The configuration (default: from the environment and .env). */
  config?: Config;
  log?: Logger;
}

/** Runs one CLI invocation and returns its exit code. The only place where errors become exit codes. */
export async function main(argv: string[], signal: AbortSignal, effects: MainEffects = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${mainHelp(labbookVersion)}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${labbookVersion}\n`);
    return 0;
  }
  const json = rest.includes("--json");
  const log = redacting(effects.log ?? stderrLogger(process.stderr));
  // What this command committed to the store, as the library reports it: an interrupt's exit code and message say it.
  const committed: string[] = [];
  try {
    const entry = commands[name];
    if (!entry) throw usageError(`unknown command: ${name}`, [`Run "labbook --help" to list the commands.`]);
    const def = (await entry.load()).default;
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${commandHelp(def)}\n`);
      return 0;
    }
    if (!effects.config) loadDotEnv();
    const ctx = parse(def, rest, signal);
    const base = effects.config ?? loadConfig();
    const config: Config = {
      ...base,
      onCommit: (what) => {
        committed.push(what);
        base.onCommit?.(what);
      },
    };
    const code = await def.run({ ...ctx, log, config });
    // The command finished: the interrupt came too late to stop anything, so the exit code is the command's own.
    // 130: the command ended on the interrupt itself, as it should (dev's preview ends on Ctrl-C).
    if (signal.aborted && code !== 130)
      log.warn(
        `interrupted after the work was done${committed.length ? `: committed ${committed.join(", ")}` : ""}; ` +
          "nothing was undone",
      );
    return typeof code === "number" ? code : 0;
  } catch (error) {
    if (signal.aborted) return interrupted(committed, json, log);
    return printError(error, { json, hide });
  }
}

/**
 * Exit 130 for a command stopped by an interrupt. Each commit is whole (a version with its record, a pins.json): what
 * was committed before the interrupt is named, and stays; nothing after it was written.
 */
function interrupted(committed: string[], json: boolean, log: Logger): number {
  const message = committed.length
    ? `interrupted: committed before the interrupt, and kept: ${committed.join(", ")}; nothing else was written`
    : "interrupted";
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: "E_INTERRUPTED", message, committed } })}\n`);
  log.warn(message);
  return 130;
}

function parse(def: CommandDef, args: string[], signal: AbortSignal): Omit<CommandContext, "log" | "config"> {
  const options = Object.fromEntries(
    Object.entries(def.options ?? {}).map(([key, { description: _d, valueName: _v, ...o }]) => [key, o]),
  );
  if (def.json !== false) options.json = { type: "boolean" };
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeNumbers(args, options),
      options,
      allowPositionals: true,
      strict: true,
    });
    return {
      values,
      positionals,
      json: values.json === true,
      out: (text) => void process.stdout.write(`${text}\n`),
      signal,
    };
  } catch (error) {
    throw usageError(`labbook ${def.name}: ${(error as Error).message}`, [`Run "labbook ${def.name} --help".`]);
  }
}

function redacting(log: Logger): Logger {
  return {
    info: (m) => log.info(hide(m)),
    warn: (m) => log.warn(hide(m)),
    progress: (m) => log.progress(hide(m)),
  };
}
