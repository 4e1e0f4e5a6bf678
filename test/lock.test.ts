import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isLabbookError } from "../loaders/errors.ts";
import { acquireLock, takeOverStale } from "../loaders/lock.ts";

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid!;
}

describe("store lock", () => {
  let dir: string;
  const lockFile = () => path.join(dir, "store.lock");
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "labbook-lock-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("is exclusive while held, and free again after release", async () => {
    const lock = await acquireLock(dir);
    expect(await readFile(lockFile(), "utf8")).toBe(String(process.pid));
    const error = await acquireLock(dir, 100).catch((e) => e);
    expect(isLabbookError(error, "E_LOCKED")).toBe(true);
    expect(error.message).toBe(`store is locked: another labbook process (pid ${process.pid}) is writing to ${dir}`);
    await lock.release();
    expect(existsSync(lockFile())).toBe(false);
    await (await acquireLock(dir, 100)).release();
  });

  it("two waiters in one process take it in turn: their temp files do not collide", async () => {
    const order: number[] = [];
    const take = async (i: number) => {
      const lock = await acquireLock(dir, 10_000);
      order.push(i);
      await lock.release();
    };
    const waiters = [...Array(16).keys()];
    for (let round = 0; round < 10; round++) await Promise.all(waiters.map(take));
    expect(order).toHaveLength(160);
    expect(await readdir(dir)).toEqual([]);
  });

  it("never writes or removes another attempt's temp file, even one of this same process", async () => {
    // What a concurrent attempt of this process has written and is about to link: under the old per-process name.
    const other = path.join(dir, `store.lock.${process.pid}.tmp`);
    await writeFile(other, String(process.pid));
    await (await acquireLock(dir, 1_000)).release();
    expect(await readdir(dir)).toEqual([path.basename(other)]);
  });

  it("takes over a lock whose owner is gone", async () => {
    await writeFile(lockFile(), String(deadPid()));
    const lock = await acquireLock(dir, 1000);
    expect(await readFile(lockFile(), "utf8")).toBe(String(process.pid));
    await lock.release();
  });

  it("a late takeover of the same dead owner leaves the lock another process has since taken", async () => {
    const dead = deadPid();
    await writeFile(lockFile(), String(dead));
    // The first process takes over and holds the lock; a second one read the dead pid before that, and acts now.
    const first = await acquireLock(dir, 1000);
    await takeOverStale(lockFile(), dead);
    expect(await readFile(lockFile(), "utf8")).toBe(String(process.pid));
    expect(isLabbookError(await acquireLock(dir, 100).catch((e) => e), "E_LOCKED")).toBe(true);
    await first.release();
  });

  it("release leaves a lock file that is no longer its own", async () => {
    const lock = await acquireLock(dir);
    const other = String(deadPid());
    await writeFile(lockFile(), other);
    await lock.release();
    expect(await readFile(lockFile(), "utf8")).toBe(other);
  });

  it("takes over an empty lock file, left by a writer that died before writing its pid, once it is old", async () => {
    await writeFile(lockFile(), "");
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile(), old, old);
    const lock = await acquireLock(dir, 1000);
    expect(await readFile(lockFile(), "utf8")).toBe(String(process.pid));
    await lock.release();
  });

  it("leaves a fresh empty lock file alone: its writer may be about to write its pid", async () => {
    await writeFile(lockFile(), "");
    const error = await acquireLock(dir, 100).catch((e) => e);
    expect(isLabbookError(error, "E_LOCKED")).toBe(true);
    expect(await readFile(lockFile(), "utf8")).toBe("");
  });

  it("never shows an empty lock file: the pid is in place when the name appears", async () => {
    const lock = await acquireLock(dir);
    expect(await readFile(lockFile(), "utf8")).toBe(String(process.pid));
    expect(await readdir(dir)).toEqual(["store.lock"]);
    await lock.release();
  });
});
