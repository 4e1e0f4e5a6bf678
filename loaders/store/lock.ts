import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
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
          // Only our own lock: had it been taken over (it cannot be while we live), the file is someone else's now.
          if (Number(await readFile(file, "utf8").catch(() => "")) === process.pid) await rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = Number(await readFile(file, "utf8").catch(() => ""));
    if (owner && !alive(owner)) {
      await takeOverStale(file, owner);
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

/**
 * Removes a lock file left by `deadPid`. Two processes can find the same dead owner; if the first removed the file
 * and took the lock, a plain rm by the second would remove the live lock. So takeovers are serialised by a guard
 * file, and the owner is read again under it: only a file that still names the dead process is removed.
 */
export async function takeOverStale(file: string, deadPid: number): Promise<void> {
  const guard = `${file}.takeover`;
  let handle;
  try {
    handle = await open(guard, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // A takeover takes milliseconds: an older guard was left by a process that died during one.
    const since = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (since > 10_000) await rm(guard, { force: true });
    return;
  }
  try {
    await handle.close();
    if (Number(await readFile(file, "utf8").catch(() => "")) === deadPid) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
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
