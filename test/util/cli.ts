import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { projectRoot } from "../../loaders/config.ts";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `labbook` bin in a child process. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd = projectRoot,
): Promise<CliResult> {
  return spawnCli(args, env, cwd).done;
}

/** Starts the real `labbook` bin, for tests that signal it while it runs; `done` resolves with its exit and output. */
export function spawnCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd = projectRoot,
): { child: ChildProcess; done: Promise<CliResult & { signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "labbook.js"), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Polls `ready` until it holds and resolves true, or resolves false once `done` (a child's exit) comes first. */
export async function whenReady(ready: () => Promise<boolean>, done: Promise<unknown>): Promise<boolean> {
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited) {
    if (await ready()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
