import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { LabbookError } from "../errors.ts";
import { deadRemoteTemp, remoteTempName } from "../debris.ts";
import type { Remote } from "../store/remote.ts";

/** A remote in a local or mounted directory. Uploads land in <dir>/tmp and are renamed into place. */
export function directoryRemote(root: string): Remote {
  const full = (key: string) => path.join(root, ...key.split("/"));
  let sweeping: Promise<void> | undefined;
  return {
    url: root,
    async list(prefix) {
      const out = new Map<string, number>();
      const walk = async (dir: string, rel: string) => {
        if (!existsSync(dir)) return;
        for (const e of await readdir(dir, { withFileTypes: true })) {
          const key = `${rel}${e.name}`;
          if (e.isDirectory()) await walk(path.join(dir, e.name), `${key}/`);
          else if (e.isFile()) out.set(key, (await stat(path.join(dir, e.name))).size);
        }
      };
      await walk(full(prefix), prefix.endsWith("/") ? prefix : `${prefix}/`);
      return out;
    },
    async upload(key, body, _size, check, signal) {
      const tmpDir = path.join(root, "tmp");
      sweeping ??= sweepTemps(tmpDir);
      await sweeping;
      const tmp = path.join(tmpDir, `${remoteTempName()}.tmp`);
      await mkdir(tmpDir, { recursive: true });
      try {
        await pipeline(body, createWriteStream(tmp), { signal });
        check();
        await mkdir(path.dirname(full(key)), { recursive: true });
        await rename(tmp, full(key));
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async download(key) {
      const file = full(key);
      if (!existsSync(file)) throw new LabbookError(`not on the remote: ${key}`, { code: "E_NOT_FOUND" });
      return createReadStream(file, { highWaterMark: 1 << 20 }) as Readable;
    },
    close() {},
  };
}

/** Removes the uploads that processes of this host left in tmp/ when they died (debris.ts), once per remote. */
async function sweepTemps(tmpDir: string): Promise<void> {
  for (const name of await readdir(tmpDir).catch(() => [])) {
    if (name.endsWith(".tmp") && deadRemoteTemp(name.slice(0, -4))) await rm(path.join(tmpDir, name), { force: true });
  }
}
