import { createHash } from "node:crypto";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";

/** Where clusters go when labbook runs as root and the postgres OS user cannot reach the data dir. */
export const OUTSIDE_HOME = "/var/lib/labbook";

/**
 * Whether every directory from `/` down to `dir` lets other users through (o+x). That is all the postgres OS user,
 * which owns none of them, can count on: a checkout under /root (mode 700) fails it.
 */
export async function othersCanTraverse(dir: string): Promise<boolean> {
  let current = await realpath(dir);
  for (;;) {
    if (((await stat(current)).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/**
 * The directory to create the embedded cluster in: the data dir itself, or, when running as root and the postgres
 * OS user cannot reach the data dir, a directory of its own under /var/lib/labbook named by the data dir's real path
 * (the data dir then links to it). PostgreSQL refuses to run as root, so the server runs as that user.
 */
export async function clusterHome(dataDir: string, asRoot: boolean): Promise<string> {
  if (!asRoot || (await othersCanTraverse(dataDir))) return dataDir;
  const id = createHash("sha256")
    .update(await realpath(dataDir))
    .digest("hex")
    .slice(0, 16);
  return path.join(OUTSIDE_HOME, id);
}
