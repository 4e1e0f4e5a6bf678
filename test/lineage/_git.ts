import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { formatPins, type Pins } from "../../loaders/lineage/pins.ts";

const run = promisify(execFile);

export const v = (c: string) => `sha256:${c.repeat(64)}`;

export interface Repo {
  root: string;
  lineageDir: string;
  git(...args: string[]): Promise<string>;
  /** Writes pins.json (an object, or raw text) and commits it; returns the commit id. */
  commitPins(pins: Pins | string, message?: string): Promise<string>;
  remove(): Promise<void>;
}

/** A git repository in a temp dir with a lineage/ folder, driven by the git CLI. */
export async function gitRepo(init = true): Promise<Repo> {
  const root = await mkdtemp(path.join(os.tmpdir(), "labbook-lineage-"));
  const lineageDir = path.join(root, "lineage");
  await mkdir(lineageDir);
  const git = async (...args: string[]) =>
    (
      await run(
        "git",
        [
          "-c",
          "user.name=t",
          "-c",
          "user.email=t@example.org",
          "-c",
          "commit.gpgsign=false",
          "-c",
          "tag.gpgsign=false",
          ...args,
        ],
        { cwd: root },
      )
    ).stdout.trim();
  if (init) await git("init", "-q", "-b", "main");
  return {
    root,
    lineageDir,
    git,
    async commitPins(pins, message = "pins") {
      await writeFile(path.join(lineageDir, "pins.json"), typeof pins === "string" ? pins : formatPins(pins));
      await git("add", "-A");
      await git("commit", "-q", "--allow-empty", "-m", message);
      return git("rev-parse", "HEAD");
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
