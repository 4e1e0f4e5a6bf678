import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { link, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { isLabbookError, LabbookError } from "../errors.ts";
import { parseS3Url, s3Remote } from "../remote/s3.ts";
import { makeDir } from "../make-dir.ts";

/**
 * Where Iceberg tables are written: a directory or an S3 prefix. Keys are relative ("events/metadata/v1.metadata.json").
 * Every write is whole or absent to a reader: a temp file renamed into place, or a single S3 put.
 */
export interface Warehouse {
  /** The warehouse as readers open it: file:///abs/dir or s3://bucket/prefix, without a trailing slash. */
  readonly location: string;
  /** The names of the files directly under `dir`. */
  list(dir: string): Promise<string[]>;
  /** A file's bytes, or undefined when there is none. */
  read(key: string): Promise<Buffer | undefined>;
  /** Writes a file. With `exclusive`, fails with E_LOCKED if it already exists (a concurrent writer won). */
  write(key: string, bytes: Buffer, options?: { exclusive?: boolean }): Promise<void>;
  close(): void;
}

/** Opens the warehouse at a directory (relative to the working directory, like export's --out) or s3://bucket/prefix. */
export function openWarehouse(where: string, env: NodeJS.ProcessEnv = process.env): Warehouse {
  if (where.startsWith("s3://")) return s3Warehouse(where, env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where) && !where.startsWith("file://"))
    throw new LabbookError(`unsupported warehouse "${where}": use a directory or s3://bucket/prefix`, {
      code: "E_USAGE",
    });
  return directoryWarehouse(path.resolve(where.replace(/^file:\/\//, "")));
}

export function directoryWarehouse(dir: string): Warehouse {
  const full = (key: string) => path.join(dir, ...key.split("/"));
  return {
    location: `file://${dir}`,
    async list(sub) {
      if (!existsSync(full(sub))) return [];
      const entries = await readdir(full(sub), { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    },
    async read(key) {
      return readFile(full(key)).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
      });
    },
    async write(key, bytes, options = {}) {
      const target = full(key);
      await makeDir(path.dirname(target));
      // Beside its target, hidden: Iceberg engines ignore dot files, and a rename within a directory is atomic.
      const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
      try {
        await writeFile(tmp, bytes, { flush: true });
        if (options.exclusive) await link(tmp, target).catch((e: NodeJS.ErrnoException) => raced(e, key));
        else await rename(tmp, target);
      } finally {
        await rm(tmp, { force: true });
      }
    },
    close() {},
  };
}

function raced(e: NodeJS.ErrnoException, key: string): never {
  if (e.code === "EEXIST")
    throw new LabbookError(`${key} was written meanwhile by another export`, {
      code: "E_LOCKED",
      details: ["Run the export again: it starts from the newest metadata."],
    });
  throw e;
}

/** An S3 warehouse, through the remote's client (same endpoint and credentials as LABBOOK_REMOTE). */
export function s3Warehouse(url: string, env: NodeJS.ProcessEnv): Warehouse {
  const { bucket, prefix } = parseS3Url(url);
  const remote = s3Remote(url, env);
  return {
    location: `s3://${bucket}${prefix ? `/${prefix.replace(/\/$/, "")}` : ""}`,
    async list(sub) {
      const dir = sub.endsWith("/") ? sub : `${sub}/`;
      const keys = await remote.list(dir);
      return [...keys.keys()].map((k) => k.slice(dir.length)).filter((k) => k && !k.includes("/"));
    },
    async read(key) {
      try {
        return await buffer(await remote.download(key));
      } catch (e) {
        if (isLabbookError(e, "E_NOT_FOUND")) return undefined;
        throw e;
      }
    },
    async write(key, bytes, options = {}) {
      // S3 has no create-if-absent everywhere (s3rver and older gateways ignore If-None-Match): check, then put. The
      // remote's upload is whole or absent, and version-hint.text is written last.
      if (options.exclusive && (await remote.list(key)).has(key))
        raced(Object.assign(new Error(key), { code: "EEXIST" }), key);
      await remote.upload(key, Readable.from([bytes]), bytes.length, () => {});
    },
    close: () => remote.close(),
  };
}
