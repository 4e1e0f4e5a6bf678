import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { LabbookError } from "../errors.ts";

export interface FrameworkRun {
  /** The project root: Framework runs there and reads observablehq.config.ts. */
  root: string;
  /** Environment for Framework and the loaders it spawns. */
  env: NodeJS.ProcessEnv;
  /** Where Framework's own output goes (stderr for `build`: stdout carries labbook's result); inherited if unset. */
  output?: NodeJS.WritableStream;
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
 * with E_PIPELINE when Framework fails; an abort stops the child.
 */
export function runFramework(args: string[], run: FrameworkRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [frameworkBin(run.root), ...args], {
      cwd: run.root,
      env: { ...run.env, OBSERVABLE_TELEMETRY_DISABLE: "1" },
      stdio: run.output ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    if (run.output) {
      child.stdout!.pipe(run.output, { end: false });
      child.stderr!.pipe(run.output, { end: false });
    }
    const onAbort = () => child.kill("SIGTERM");
    run.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", reject);
    child.on("close", (code, sig) => {
      run.signal?.removeEventListener("abort", onAbort);
      if (run.signal?.aborted) return reject(run.signal.reason);
      if (code === 0) return resolve();
      reject(
        new LabbookError(`observable ${args[0]} failed (${sig ?? `exit code ${code}`})`, {
          code: "E_PIPELINE",
          details: ["Framework's output above names the page or data loader that failed."],
        }),
      );
    });
  });
}
