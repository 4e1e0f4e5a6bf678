import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LabbookError } from "../../loaders/errors.ts";
import type { Logger } from "../../loaders/log.ts";
import { transferAll, transferError, type Failure } from "../../loaders/remote/transfer.ts";

/** The shared loop of push and pull, moving real files between two directories. */
describe("transferAll", () => {
  let dir: string;
  let from: string;
  let to: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "labbook-transfer-"));
    [from, to] = [path.join(dir, "from"), path.join(dir, "to")];
    await Promise.all([mkdir(from), mkdir(to)]);
    for (let i = 0; i < 12; i++) await writeFile(path.join(from, `o${i}`), `object ${i}\n`.repeat(1000));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Copies one object, read and written whole: real asynchronous work. */
  const move = async (name: string) => {
    const bytes = await readFile(path.join(from, name));
    await writeFile(path.join(to, name), bytes);
    return bytes.length;
  };

  it("keeps at most `concurrency` items in flight, and reaches it", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `o${i}`);
    let inFlight = 0;
    let most = 0;
    const failures = await transferAll(names, {
      concurrency: 3,
      async each(name) {
        most = Math.max(most, ++inFlight);
        try {
          await move(name);
          await copyFile(path.join(to, name), path.join(to, `${name}.copy`));
        } finally {
          inFlight--;
        }
      },
    });
    expect(failures).toEqual([]);
    expect(most).toBe(3);
    expect((await readdir(to)).length).toBe(24);
  });

  it("does work that several items share once, even when they ask for it at the same moment", async () => {
    // Five datasets over two objects: o0 is wanted three times, o1 twice.
    const items = [
      { dataset: "a", object: "o0" },
      { dataset: "b", object: "o0" },
      { dataset: "c", object: "o1" },
      { dataset: "d", object: "o0" },
      { dataset: "e", object: "o1" },
    ];
    for (const concurrency of [1, 5]) {
      const runs: string[] = [];
      const sizes: Record<string, number> = {};
      const failures = await transferAll(items, {
        concurrency,
        async each({ dataset, object }, once) {
          sizes[dataset] = await once(object, () => {
            runs.push(object);
            return move(object);
          });
        },
      });
      expect(failures).toEqual([]);
      expect(runs.sort()).toEqual(["o0", "o1"]);
      // Every item gets the shared result.
      const size = (name: string) => Buffer.byteLength(`object ${name.slice(1)}\n`.repeat(1000));
      expect(sizes).toEqual({ a: size("o0"), b: size("o0"), c: size("o1"), d: size("o0"), e: size("o1") });
      expect((await readdir(to)).sort()).toEqual(["o0", "o1"]);
      await rm(path.join(to, "o0"));
      await rm(path.join(to, "o1"));
    }
  });

  it("collects every failure, in item order, and still moves the rest", async () => {
    const names = ["o0", "missing-1", "o1", "o2", "missing-2", "o3"];
    const corrupt = new LabbookError("o2 is corrupt", { code: "E_INTEGRITY" });
    const failures = await transferAll(names, {
      concurrency: 2,
      async each(name) {
        await move(name);
        if (name === "o2") throw corrupt;
      },
    });
    expect(failures.map((f) => f.item)).toEqual(["missing-1", "o2", "missing-2"]);
    expect(failures[0]!.error).toMatchObject({ code: "ENOENT" });
    expect(failures[1]!.error).toBe(corrupt);
    expect((await readdir(to)).sort()).toEqual(["o0", "o1", "o2", "o3"]);
  });

  it("fails every item that shares failed work, with that one error", async () => {
    const items = [
      { dataset: "a", object: "missing" },
      { dataset: "b", object: "o0" },
      { dataset: "c", object: "missing" },
    ];
    let runs = 0;
    const failures = await transferAll(items, {
      async each({ object }, once) {
        await once(object, () => {
          runs++;
          return move(object);
        });
      },
    });
    expect(runs).toBe(2);
    expect(failures.map((f) => f.item.dataset)).toEqual(["a", "c"]);
    expect(failures[0]!.error).toBe(failures[1]!.error);
    expect(existsSync(path.join(to, "o0"))).toBe(true);
  });

  it("starts nothing new once the signal aborts, lets the item in flight finish, and rejects with the reason", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `o${i}`);
    const controller = new AbortController();
    const started: string[] = [];
    const error = await transferAll(names, {
      concurrency: 1,
      signal: controller.signal,
      async each(name) {
        started.push(name);
        if (name === "o2") controller.abort(new Error("stop"));
        await move(name);
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "stop" });
    expect(started).toEqual(["o0", "o1", "o2"]);
    expect((await readdir(to)).sort()).toEqual(["o0", "o1", "o2"]);
  });

  it("with several in flight, starts nothing after the abort and reports no failure for the interrupted items", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `o${i}`);
    const controller = new AbortController();
    const started: string[] = [];
    const error = await transferAll(names, {
      concurrency: 3,
      signal: controller.signal,
      async each(name) {
        started.push(name);
        // The first item aborts before its first await: the other two workers have not started theirs yet.
        if (name === "o0") controller.abort(new Error("stop"));
        await move(name);
        controller.signal.throwIfAborted();
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "stop" });
    expect(started).toEqual(["o0"]);
  });

  it("rejects when the abort interrupts the last item, rather than reporting it as a failure", async () => {
    const controller = new AbortController();
    const error = await transferAll(["o0", "o1"], {
      concurrency: 2,
      signal: controller.signal,
      async each(name) {
        await move(name);
        if (name === "o1") controller.abort(new Error("stop"));
        controller.signal.throwIfAborted();
      },
    }).then(
      (failures) => failures,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ message: "stop" });
  });

  it("reports progress after each item settles, failed or not", async () => {
    const lines: string[] = [];
    const log: Logger = { info() {}, warn() {}, progress: (m) => void lines.push(m) };
    await transferAll(["o0", "missing", "o1"], {
      concurrency: 1,
      log,
      progress: (done, total) => `test: ${done}/${total}`,
      each: async (name) => void (await move(name)),
    });
    expect(lines).toEqual(["test: 1/3", "test: 2/3", "test: 3/3"]);
  });
});

describe("transferError", () => {
  const name = (item: string) => `ds@${item}`;
  const message = (corrupt: number, failed: number) => `${corrupt} corrupt, ${failed} failed`;
  const hint = "re-run to retry the others.";

  it("names each failure, the corrupt ones first, with code E_INTEGRITY and shared errors counted once", () => {
    const shared = new LabbookError("remote object x is corrupt", { code: "E_INTEGRITY" });
    const failures: Failure<string>[] = [
      { item: "a", error: new LabbookError("not on the remote: y", { code: "E_NOT_FOUND" }) },
      { item: "b", error: shared },
      { item: "c", error: new Error("ECONNRESET") },
      { item: "d", error: shared },
    ];
    const error = transferError(failures, { name, message, hint });
    expect(error).toMatchObject({ code: "E_INTEGRITY", exitCode: 1, message: "1 corrupt, 4 failed" });
    expect(error.details).toEqual([
      "ds@b: remote object x is corrupt",
      "ds@d: remote object x is corrupt",
      "ds@a: not on the remote: y",
      "ds@c: ECONNRESET",
      hint,
    ]);
  });

  it("has code E_REMOTE when nothing was corrupt, whatever the messages say", () => {
    const error = transferError([{ item: "a", error: new Error("the object is corrupt") }], { name, message, hint });
    expect(error).toMatchObject({ code: "E_REMOTE", exitCode: 1, message: "0 corrupt, 1 failed" });
  });
});
