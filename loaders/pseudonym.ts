import { createHash, createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "./config.ts";
import { LabbookError } from "./errors.ts";

/** The secret behind the site's pseudonyms, and a public id of it (for cache fingerprints). */
export interface PseudonymKey {
  key: Buffer;
  /** A hash of the key: safe to store; changes when the key does. */
  id: string;
}

export const keyFile = (config: Config) => path.join(config.dataDir, "site", "pseudonym.key");

/**
 * The key: LABBOOK_PSEUDONYM_KEY when set (CI sets a secret so pseudonyms are stable across builds), otherwise a
 * random key kept in data/site/pseudonym.key, created once. It is never derived from anything public such as the
 * pins, so a pseudonym cannot be reversed by hashing candidate user ids.
 */
export async function pseudonymKey(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<PseudonymKey> {
  const fromEnv = env.LABBOOK_PSEUDONYM_KEY;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < 16)
      throw new LabbookError("LABBOOK_PSEUDONYM_KEY is too short: use at least 16 characters", { code: "E_CONFIG" });
    return withId(Buffer.from(fromEnv, "utf8"));
  }
  const file = keyFile(config);
  if (!existsSync(file)) await createKeyFile(file);
  const hex = (await readFile(file, "utf8")).trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new LabbookError(`unreadable pseudonym key in ${path.relative(config.root, file)}`, {
      code: "E_INTEGRITY",
      details: ["Delete the file to make a new key (published pseudonyms then change)."],
    });
  return withId(Buffer.from(hex, "hex"));
}

// link() fails if the file exists: loaders started at once agree on the first key written.
async function createKeyFile(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

function withId(key: Buffer): PseudonymKey {
  return { key, id: createHash("sha256").update("labbook-pseudonym-key:").update(key).digest("hex").slice(0, 16) };
}

/** Maps a raw user id to a stable pseudonym, "u-" and 12 hex digits of HMAC-SHA256(key, id). */
export function pseudonymizer({ key }: PseudonymKey): (userId: string) => string {
  const cache = new Map<string, string>();
  return (userId) => {
    let p = cache.get(userId);
    if (p === undefined) {
      p = `u-${createHmac("sha256", key).update(userId).digest("hex").slice(0, 12)}`;
      cache.set(userId, p);
    }
    return p;
  };
}

/**
 * The same pseudonym as a DuckDB expression over `expr` (a VARCHAR): HMAC-SHA256 spelled out with DuckDB's sha256 on
 * blobs, so a view can pseudonymize a column without a row ever leaving DuckDB. NULL stays NULL.
 */
export function pseudonymSql({ key }: PseudonymKey, expr: string): string {
  // RFC 2104: a key longer than the hash's 64-byte block is hashed first, and either is zero-padded to the block.
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash("sha256").update(key).digest() : key).copy(block);
  const pad = (byte: number) => `unhex('${Buffer.from(block.map((b) => b ^ byte)).toString("hex")}')`;
  const inner = `unhex(sha256(${pad(0x36)} || encode(${expr})))`;
  return `'u-' || left(sha256(${pad(0x5c)} || ${inner}), 12)`;
}
