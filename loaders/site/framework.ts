import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { LabbookError } from "../errors.ts";

export interface FrameworkRun {
  /** The project root: Framework runs there and reads observablehq.config.ts. */
  root: string;
  /** Environment for Framework and the loaders it spawns. */
  env: NodeJS.ProcessEnv;
  /**
   * Where Framework's own lines go (stderr for `build`: stdout carries labbook's result). When set, its output is read
   * line by line: its bug-report hint is dropped and a loader's error becomes labbook's. Inherited if unset.
   */
  output?: NodeJS.WritableStream;
  /** With `output`: false keeps Framework's per-file lines to itself (a failure still reports what failed). */
  echo?: boolean;
  /** With `output`: each warning Framework prints (a broken link, …), without its colours. */
  onWarning?: (line: string) => void;
  signal?: AbortSignal;
}

/** The Observable Framework CLI of the project's node_modules. */
export function frameworkBin(root: string): string {
  const require = createRequire(path.join(root, "package.json"));
  return path.join(
    path.dirname(require.resolve("@observablehq/framework/package.json")),
    "dist",
    "bin",
    "observable.js",
  );
}

/** Preloaded into Framework and its loaders: kills their process group once labbook is gone (see watchdog.mjs). */
export const watchdogImport = pathToFileURL(
  path.join(path.dirname(fileURLToPath(import.meta.url)), "watchdog.mjs"),
).href;

/** The process groups of Framework runs still going, killed when labbook exits however it exits (but SIGKILL). */
const running = new Set<number>();
let exitHook = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/**
 * Runs `observable <args>` in a child process at the project root, with telemetry off (it would call home). Rejects
 * with E_PIPELINE when Framework fails: naming the data loader and its error when one failed, never with Framework's
 * "file an issue" hint (a loader's error is the project's, not Framework's). An abort stops the child.
 *
 * Framework and the loaders it spawns run in a process group of their own, killed whole when the run is aborted or
 * labbook exits, and a watchdog in each of them kills the group when labbook dies without exiting (SIGKILL): no
 * loader of a dead build outlives it and writes into the loader cache.
 */
export function runFramework(args: string[], run: FrameworkRun): Promise<void> {
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const pid of running) killGroup(pid, "SIGKILL");
    });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", watchdogImport, frameworkBin(run.root), ...args], {
      cwd: run.root,
      env: { ...run.env, OBSERVABLE_TELEMETRY_DISABLE: "1", LABBOOK_WATCHDOG: "1" },
      // stdin is not passed: Framework runs in a background process group, where reading the terminal would stop it.
      stdio: ["ignore", run.output ? "pipe" : "inherit", run.output ? "pipe" : "inherit"],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const said = new FrameworkOutput(run);
    const reading: Promise<void>[] = [];
    if (run.output)
      for (const stream of [child.stdout!, child.stderr!]) {
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        lines.on("line", (line) => said.line(line));
        reading.push(once(lines, "close").then(() => {}));
      }
    const onAbort = () => pid !== undefined && killGroup(pid, "SIGTERM");
    run.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", reject);
    child.on("exit", () => {
      // Framework is gone: a loader it left behind goes with its group.
      if (pid !== undefined) killGroup(pid, "SIGKILL");
    });
    child.on("close", (code, sig) => {
      if (pid !== undefined) running.delete(pid);
      run.signal?.removeEventListener("abort", onAbort);
      if (run.signal?.aborted) return reject(run.signal.reason);
      if (code === 0) return resolve();
      void Promise.all(reading).then(() => reject(said.failure(args[0]!, sig ?? `exit code ${code}`)));
    });
  });
}

/** Framework's lines that are about Framework, not the project: dropped, as a loader's failure is not its bug. */
const HINT =
  /^(If you think this is a bug, please file an issue at|↳ https:\/\/github\.com\/observablehq\/framework\/issues|Tip: To see the full stack trace, run with the --debug flag\.|Unexpected error: loader exited with code \d+)\s*$/;

/**
 * Reads Framework's output: forwards it (when echoing), passes on its warnings, and keeps what a failure report needs:
 * the `error: <loader file>: …` lines a labbook loader prints (loader.ts) with their indented details, and the last
 * lines Framework printed.
 */
class FrameworkOutput {
  private readonly loaderErrors: string[] = [];
  private readonly tail: string[] = [];
  private inLoaderError = false;
  constructor(private readonly run: FrameworkRun) {}

  line(raw: string): void {
    const line = stripVTControlCharacters(raw);
    if (HINT.test(line.trim())) return;
    if (this.run.echo !== false) this.run.output!.write(`${raw}\n`);
    if (/^warning\b/i.test(line.trim())) this.run.onWarning?.(line.trim());
    if (line.startsWith("error: ")) {
      this.loaderErrors.push(line);
      this.inLoaderError = true;
    } else if (this.inLoaderError && line.startsWith("  ")) this.loaderErrors.push(line);
    else this.inLoaderError = false;
    if (line.trim()) this.tail.push(line.trim());
    if (this.tail.length > 8) this.tail.shift();
  }

  failure(command: string, how: string): LabbookError {
    const first = this.loaderErrors.findIndex((l) => l.startsWith("error: "));
    if (first >= 0) {
      const [head, ...rest] = this.loaderErrors.slice(first);
      const end = rest.findIndex((l) => l.startsWith("error: "));
      return new LabbookError(`data loader ${head!.slice("error: ".length)}`, {
        code: "E_PIPELINE",
        details: [...(end >= 0 ? rest.slice(0, end) : rest).map((l) => l.trim()), "Nothing was published."],
      });
    }
    return new LabbookError(`observable ${command} failed (${how})`, {
      code: "E_PIPELINE",
      details: this.run.output && this.run.echo === false ? this.tail : ["Framework's output above says what failed."],
    });
  }
}
