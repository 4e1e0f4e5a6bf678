import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDB, queryRows } from "../loaders/duckdb.ts";

describe("openDuckDB's spill directory", () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "labbook-spill-"));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it("gives each instance a directory of its own, which DuckDB removes on close", async () => {
    // DuckDB names its spill files alike in every process: two instances sharing a directory would clobber them.
    const a = await openDuckDB({ tempDir: base, memoryLimit: "64MB", threads: 1 });
    const b = await openDuckDB({ tempDir: base });
    const dirOf = async (con: typeof a.con) =>
      (await queryRows<{ d: string }>(con, "SELECT current_setting('temp_directory') AS d"))[0]!.d;
    const [da, db] = [await dirOf(a.con), await dirOf(b.con)];
    expect(path.dirname(da)).toBe(base);
    expect(path.dirname(db)).toBe(base);
    expect(da).not.toBe(db);
    // Enough to spill under 64MB: the directory appears, then goes with the instance.
    await a.con.run(
      "CREATE TABLE t AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s FROM range(3000000) r(i)",
    );
    await a.con.run("SELECT s, count(*) FROM t GROUP BY s ORDER BY s LIMIT 1");
    expect(await readdir(base)).toEqual([path.basename(da)]);
    for (const { con, instance } of [a, b]) {
      con.closeSync();
      instance.closeSync();
    }
    expect(await readdir(base)).toEqual([]);
  });
});
