import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "./errors.ts";
import { makeDir } from "./make-dir.ts";
import { findSiblings, restoreSwapped, siblingName } from "./debris.ts";

/** Turns a filesystem error on `target` into a message that says what to do. */
export function writeError(target: string, error: unknown): LabbookError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === "EACCES" || code === "EPERM"
      ? "permission denied"
      : code === "EROFS"
        ? "read-only file system"
        : code === "ENOTDIR" || code === "EEXIST"
          ? "a path component is a file, not a directory"
          : code === "ENOENT"
            ? "the file system does not let a directory be made there"
            : code === "ENOSPC"
              ? "no space left on the device"
              : (error as Error).message;
  return new LabbookError(`cannot write to ${target}: ${reason}`, {
    code: "E_IO",
    cause: error,
    details: ["Choose another directory with --out, or fix its permissions."],
  });
}

/**
 * Creates `parent` if missing and a hidden temp directory inside it, on the same filesystem as the final place so the
 * result can be renamed into place. Fails with a clear E_IO when the directory cannot be written.
 */
export async function stagingDir(parent: string, name: string): Promise<string> {
  try {
    await makeDir(parent);
    // mkdir, not mkdtemp: this directory becomes the export, and mkdtemp's mode 0700 ignores the umask.
    // Named for this process: what a killed build or export left is swept here by the next one (debris.ts).
    await restoreSwapped(parent, name);
    for (const d of await findSiblings(parent, name)) await rm(d.path, { recursive: true, force: true });
    const tmp = path.join(parent, siblingName(name, "tmp"));
    await mkdir(tmp);
    return tmp;
  } catch (error) {
    throw writeError(parent, error);
  }
}

/**
 * Moves a finished temp directory to `final`, replacing an earlier one of the same name. Replacing a directory takes
 * two renames (Node has no renameat2 exchange), so the finished one is first renamed `.ready-`: a process killed
 * between the two leaves `.ready-` and `.old-` siblings that name it, and the next build, export or store command
 * puts the new one in place (restoreSwapped).
 */
export async function publishDir(tmp: string, final: string): Promise<void> {
  if (!existsSync(final)) return rename(tmp, final);
  const parent = path.dirname(final);
  const name = path.basename(final);
  const ready = path.join(parent, siblingName(name, "ready"));
  const old = path.join(parent, siblingName(name, "old"));
  await rename(tmp, ready);
  await rename(final, old);
  await rename(ready, final);
  await rm(old, { recursive: true, force: true });
}
