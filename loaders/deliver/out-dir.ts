import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";
import { makeDir } from "../make-dir.ts";

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
    const tmp = path.join(parent, `.${name}.tmp-${randomUUID()}`);
    await mkdir(tmp);
    return tmp;
  } catch (error) {
    throw writeError(parent, error);
  }
}

/** Moves a finished temp directory to `final`, replacing an earlier export of the same name. */
export async function publishDir(tmp: string, final: string): Promise<void> {
  if (!existsSync(final)) return rename(tmp, final);
  const old = path.join(path.dirname(final), `.${path.basename(final)}.old-${randomUUID()}`);
  await rename(final, old);
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
}
