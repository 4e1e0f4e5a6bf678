import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "./errors.ts";
import { pidAlive as alive, sweepDebris, type DebrisDirs } from "./debris.ts";

export interface Lock {
  release(): Promise<void>;
}

const STORE_LOCK = "store.lock";

/**
 * An empty lock file was left by an older labbook that died between creating the file and writing its pid (this one
 * never makes one: see createLock). Its age guards against such a writer that is still between the two steps.
 */
const EMPTY_LOCK_AGE_MS = 5_000;

/**
 * Creates the lock file already holding our pid, or fails with EEXIST: the pid goes into a temp file of our own that
 * is then hard-linked to the lock's name, which fails when that name exists. So no one ever sees the lock empty.
 */
async function createLock(file: string): Promise<void> {
  // Unique per attempt: waiters of one process (a pull's parallel commits) must not share, and remove, one temp.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, String(process.pid));
  try {
    await link(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

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
      await createLock(file);
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
    const content = await readFile(file, "utf8").catch(() => undefined);
    const owner = Number(content);
    if (owner && !alive(owner)) {
      await takeOverStale(file, owner);
      continue;
    }
    if (content === "" && (await ageMs(file)) > EMPTY_LOCK_AGE_MS) {
      await takeOverStale(file, "");
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

async function ageMs(file: string): Promise<number> {
  return stat(file).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
}

/**
 * Removes a lock file left by `deadPid` ("" for an empty file left by a writer that died before writing its pid).
 * Two processes can find the same dead owner; if the first removed the file and took the lock, a plain rm by the
 * second would remove the live lock. So takeovers are serialised by a guard file, and the owner is read again under
 * it: only a file that still names the dead process (or is still empty and old) is removed.
 */
export async function takeOverStale(file: string, deadPid: number | ""): Promise<void> {
  const guard = `${file}.takeover`;
  let handle;
  try {
    handle = await open(guard, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // A takeover takes milliseconds: an older guard was left by a process that died during one.
    if ((await ageMs(guard)) > 10_000) await rm(guard, { force: true });
    return;
  }
  try {
    await handle.close();
    const content = await readFile(file, "utf8").catch(() => undefined);
    const stale =
      deadPid === "" ? content === "" && (await ageMs(file)) > EMPTY_LOCK_AGE_MS : Number(content) === deadPid;
    if (stale) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

const swept = new Set<string>();

/**
 * Runs `fn` holding a lock. Given the store's directories (not only the data directory), taking the store lock also
 * sweeps what dead processes left there (see debris.ts): no one else can be committing while we hold it, and what a
 * live process is writing carries its live pid.
 */
export async function withLock<T>(
  where: string | DebrisDirs,
  fn: () => Promise<T>,
  signal?: AbortSignal,
  name = STORE_LOCK,
): Promise<T> {
  const dataDir = typeof where === "string" ? where : where.dataDir;
  const lock = await acquireLock(dataDir, undefined, signal, name);
  // Once per process is enough: debris is what processes that died before us left.
  if (typeof where !== "string" && name === STORE_LOCK && !swept.has(dataDir)) {
    swept.add(dataDir);
    await sweepDebris({ dataDir, lineageDir: where.lineageDir, root: where.root });
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
