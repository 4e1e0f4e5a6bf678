import { parseArgs } from "node:util";
import { loadConfig, loadDotEnv } from "../config.ts";
import { LabbookError, isLabbookError, usageError } from "../errors.ts";
import { stderrLogger, type Logger } from "../log.ts";
import { parseDatabaseUrl, redactSecrets } from "../sources/database-url.ts";
import { labbookVersion } from "../version.ts";
import { joinNegativeNumbers } from "./args.ts";
import type { CommandContext, CommandDef } from "./command.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { commands } from "./registry.ts";

/** Runs one CLI invocation and returns its exit code. The only place where errors become exit codes. */
export async function main(argv: string[], signal: AbortSignal): Promise<number> {
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
  const log = redacting(stderrLogger(process.stderr));
  try {
    const entry = commands[name];
    if (!entry) throw usageError(`unknown command: ${name}`, [`Run "labbook --help" to list the commands.`]);
    const def = (await entry.load()).default;
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${commandHelp(def)}\n`);
      return 0;
    }
    loadDotEnv();
    const ctx = parse(def, rest, signal);
    const code = await def.run({ ...ctx, log, config: loadConfig() });
    return typeof code === "number" ? code : 0;
  } catch (error) {
    if (signal.aborted) {
      log.warn("interrupted");
      return 130;
    }
    return report(error, json);
  }
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

function report(error: unknown, json: boolean): number {
  const e = isLabbookError(error)
    ? error
    : new LabbookError(`unexpected error: ${(error as Error)?.message ?? String(error)}`, {
        code: "E_IO",
        cause: error,
      });
  const message = hide(e.message);
  const details = e.details.map(hide);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: e.code, message, details } })}\n`);
  process.stderr.write(`error: ${message}\n`);
  for (const line of details) process.stderr.write(`  ${line}\n`);
  if (!isLabbookError(error) && process.env.LABBOOK_DEBUG)
    process.stderr.write(`${hide(String((error as Error)?.stack))}\n`);
  return e.exitCode;
}

/**
 * The last guard of "no password in any message": whatever a library or a server put in an error or a log line, the
 * password of DATABASE_URL (read after .env is loaded) and that of any URL quoted in it are masked before printing.
 */
function hide(text: string): string {
  let secrets: string[] = [];
  try {
    if (process.env.DATABASE_URL) secrets = parseDatabaseUrl(process.env.DATABASE_URL).secrets;
  } catch {
    // Malformed: connect() refuses it with a message that quotes none of it.
  }
  return redactSecrets(text, secrets);
}

function redacting(log: Logger): Logger {
  return {
    info: (m) => log.info(hide(m)),
    warn: (m) => log.warn(hide(m)),
    progress: (m) => log.progress(hide(m)),
  };
}

// Node ignores SIGPIPE, so a reader that stops early (labbook sql … | head) shows up as EPIPE. That is not a failure:
// the rest of the output is dropped and the command ends with its own exit code, as the reader got what it wanted.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

// The AWS SDK warns on every run under Node 20 about its releases after 2027; the lockfile pins ours. The process's
// environment belongs to this entry point, so this is the one place that sets a variable in it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const controller = new AbortController();
let interrupts = 0;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    // The first signal asks the command to clean up; a second one gives up waiting.
    if (++interrupts > 1) process.exit(130);
    controller.abort(new LabbookError("interrupted", { code: "E_INTERRUPTED" }));
  });
}
const code = await main(process.argv.slice(2), controller.signal);
process.exitCode = controller.signal.aborted ? 130 : code;
