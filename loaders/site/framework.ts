import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";
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

/**
 * Runs `observable <args>` in a child process at the project root, with telemetry off (it would call home). Rejects
 * with E_PIPELINE when Framework fails: naming the data loader and its error when one failed, never with Framework's
 * "file an issue" hint (a loader's error is the project's, not Framework's). An abort stops the child.
 */
export function runFramework(args: string[], run: FrameworkRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [frameworkBin(run.root), ...args], {
      cwd: run.root,
      env: { ...run.env, OBSERVABLE_TELEMETRY_DISABLE: "1" },
      stdio: run.output ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    const said = new FrameworkOutput(run);
    const reading: Promise<void>[] = [];
    if (run.output)
      for (const stream of [child.stdout!, child.stderr!]) {
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        lines.on("line", (line) => said.line(line));
        reading.push(once(lines, "close").then(() => {}));
      }
    const onAbort = () => child.kill("SIGTERM");
    run.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", reject);
    child.on("close", (code, sig) => {
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
