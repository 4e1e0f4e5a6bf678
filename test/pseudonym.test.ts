import { createHash, createHmac } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../loaders/config.ts";
import { withDuckDB } from "../loaders/duckdb.ts";
import { keyFile, pseudonymizer, pseudonymKey, pseudonymSql } from "../loaders/pseudonym.ts";

describe("pseudonyms", () => {
  let dir: string;
  let config: Config;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "labbook-pseudonym-"));
    config = loadConfig({ LABBOOK_DATA_DIR: path.join(dir, "data") }, dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("makes a secret key once, readable only by its owner, and keeps it", async () => {
    const [a, b] = await Promise.all([pseudonymKey(config, {}), pseudonymKey(config, {})]);
    expect(a.key.equals(b.key)).toBe(true);
    expect((await stat(keyFile(config))).mode & 0o777).toBe(0o600);
    expect((await pseudonymKey(config, {})).id).toBe(a.id);
    // The public id does not reveal the key.
    expect(await readFile(keyFile(config), "utf8")).not.toContain(a.id);
  });

  it("maps an id to a stable, keyed pseudonym", async () => {
    const fromFile = pseudonymizer(await pseudonymKey(config, {}));
    const fromEnv = pseudonymizer(await pseudonymKey(config, { LABBOOK_PSEUDONYM_KEY: "a-secret-for-ci-builds" }));
    expect(fromFile("user-1")).toMatch(/^u-[0-9a-f]{12}$/);
    // Stable across pseudonymizers and key reads (the same call twice would only hit the pseudonymizer's cache), and
    // equal to HMAC-SHA256 computed independently here.
    const key = await pseudonymKey(config, {});
    expect(pseudonymizer(key)("user-1")).toBe(fromFile("user-1"));
    expect(fromFile("user-1")).toBe(`u-${createHmac("sha256", key.key).update("user-1").digest("hex").slice(0, 12)}`);
    expect(fromFile("user-1")).not.toBe(fromFile("user-2"));
    expect(fromEnv("user-1")).not.toBe(fromFile("user-1"));
    // An id made of hex digits could show through a pseudonym; "user-1" never could, given the pattern above. Nor is
    // it the unkeyed hash, which anyone could compute from candidate ids.
    const hexId = "0123456789abcdef";
    expect(fromFile(hexId)).not.toContain(hexId.slice(0, 12));
    expect(fromFile(hexId)).not.toBe(`u-${createHash("sha256").update(hexId).digest("hex").slice(0, 12)}`);
  });

  it("refuses a short LABBOOK_PSEUDONYM_KEY", async () => {
    await expect(pseudonymKey(config, { LABBOOK_PSEUDONYM_KEY: "short" })).rejects.toThrow(
      "LABBOOK_PSEUDONYM_KEY is too short: use at least 16 characters",
    );
  });

  it("gives the same pseudonym in DuckDB SQL as in JavaScript, for short and long keys", async () => {
    const ids = ["user-1", "cm0abcdefghijklmnopqrstuv", "ünïcode", ""];
    for (const env of [{}, { LABBOOK_PSEUDONYM_KEY: "k".repeat(100) }]) {
      const key = await pseudonymKey(config, env);
      const js = pseudonymizer(key);
      const rows = await withDuckDB(async (con) => {
        const reader = await con.runAndReadAll(
          `SELECT ${pseudonymSql(key, "id")} AS p FROM unnest([${ids.map((i) => `'${i}'`).join(", ")}, NULL]) t(id)`,
        );
        return reader.getRowObjectsJS().map((r) => r.p);
      });
      expect(rows).toEqual([...ids.map(js), null]);
    }
  });
});
