import type { ParseArgsConfig } from "node:util";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & {
  /** One line for the help text. */
  description: string;
  /** Placeholder shown in help, e.g. "N" in `--days N`. */
  valueName?: string;
};

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext<V = OptionValues> {
  values: V;
  positionals: string[];
  config: Config;
  /** Human output and progress: stderr. */
  log: Logger;
  /** Machine output (or a command's main human result): stdout. */
  out: (text: string) => void;
  json: boolean;
  /** Aborted on Ctrl-C or SIGTERM; long work checks it and cleans up. */
  signal: AbortSignal;
}

export interface CommandDef {
  name: string;
  /** `labbook <name> <usage>` */
  usage: string;
  description: string;
  options?: Record<string, OptionSpec>;
  /** Whether the command accepts `--json`. Defaults to true. */
  json?: boolean;
  examples?: string[];
  run: (ctx: CommandContext) => Promise<number | void>;
}

/** Returns its argument: typed command definitions for free. */
export function defineCommand(def: CommandDef): CommandDef {
  return def;
}

/** Writes a value as pretty JSON on stdout, the single convention for `--json`. */
export function printJson(ctx: Pick<CommandContext, "out">, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}
