import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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
 * with E_PIPELINE when Framework fails; an abort stops the child.
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
    if (run.output) {
      child.stdout!.pipe(run.output, { end: false });
      child.stderr!.pipe(run.output, { end: false });
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
      reject(
        new LabbookError(`observable ${args[0]} failed (${sig ?? `exit code ${code}`})`, {
          code: "E_PIPELINE",
          details: ["Framework's output above names the page or data loader that failed."],
        }),
      );
    });
  });
}
