import { open, readFile, rm, mkdir } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";

export interface Lock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const STORE_LOCK = "store.lock";

/**
 * Takes a lock in `dataDir`, by default the store's writer lock: a file created with O_EXCL that holds the owner's
 * pid. A lock whose owner is gone is taken over. Waits up to `timeoutMs` for a live owner, then fails with E_LOCKED.
 */
export async function acquireLock(
  dataDir: string,
  timeoutMs = 120_000,
  signal?: AbortSignal,
  name = STORE_LOCK,
): Promise<Lock> {
  const file = path.join(dataDir, name);
  await mkdir(dataDir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    signal?.throwIfAborted();
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = Number(await readFile(file, "utf8").catch(() => ""));
    if (owner && !alive(owner)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      const pid = owner || "?";
      throw new LabbookError(
        name === STORE_LOCK
          ? `store is locked: another labbook process (pid ${pid}) is writing to ${dataDir}`
          : `${name} is locked: another labbook process (pid ${pid}) holds it in ${dataDir}`,
        {
          code: "E_LOCKED",
          details: [`Wait for it to finish, or remove ${name} if that process no longer exists.`],
        },
      );
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

export async function withLock<T>(
  dataDir: string,
  fn: () => Promise<T>,
  signal?: AbortSignal,
  name = STORE_LOCK,
): Promise<T> {
  const lock = await acquireLock(dataDir, undefined, signal, name);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
