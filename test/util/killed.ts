import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "../../loaders/config.ts";

/**
 * Runs `body` (TypeScript, with `root` bound to the project's root for imports) in a child process until it prints
 * "ready", then kills it with SIGKILL: the process dies wherever it is, as a crash or `kill -9` would leave it.
 * Resolves with the child's pid once it is gone.
 */
export async function runUntilKilled(dir: string, body: string): Promise<number> {
  const script = path.join(dir, `child-${process.hrtime.bigint()}.mts`);
  await writeFile(script, `const root = ${JSON.stringify(projectRoot)};\n${body}\n`);
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("ready")) resolve();
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before it was ready`)));
  });
  const gone = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGKILL");
  await gone;
  return child.pid!;
}
