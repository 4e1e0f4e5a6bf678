import { writeFile } from "node:fs/promises";
import path from "node:path";
import { formatPins, type Pins } from "../../loaders/lineage/pins.ts";
import { createProject } from "../util/project.ts";

export const v = (c: string) => `sha256:${c.repeat(64)}`;

export interface Repo {
  root: string;
  lineageDir: string;
  git(...args: string[]): Promise<string>;
  /** Writes pins.json (an object, or raw text) and commits it; returns the commit id. */
  commitPins(pins: Pins | string, message?: string): Promise<string>;
  remove(): Promise<void>;
}

/** A test project (a git repository whose first commit has no pins, with `init`), with a way to commit pins. */
export async function gitRepo(init = true): Promise<Repo> {
  const p = await createProject({ git: init });
  const lineageDir = p.config.lineageDir;
  return {
    root: p.root,
    lineageDir,
    git: p.git,
    async commitPins(pins, message = "pins") {
      await writeFile(path.join(lineageDir, "pins.json"), typeof pins === "string" ? pins : formatPins(pins));
      await p.commitLineage(message);
      return p.git("rev-parse", "HEAD");
    },
    remove: p.remove,
  };
}
