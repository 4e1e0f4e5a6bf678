import path from "node:path";
import type { Config } from "../config.ts";
import { LabbookError } from "../errors.ts";
import { directoryRemote } from "./dir.ts";
import type { Remote } from "../store/remote.ts";
import { s3Remote } from "./s3.ts";

export { objectKey, recordKey, type Remote } from "../store/remote.ts";

/** The remote LABBOOK_REMOTE names: s3://bucket/prefix, or a directory (relative paths from the project root). */
export function openRemote(config: Pick<Config, "remote" | "root">, env: NodeJS.ProcessEnv = process.env): Remote {
  const url = config.remote;
  if (!url)
    throw new LabbookError("no remote configured", {
      code: "E_CONFIG",
      details: ["Set LABBOOK_REMOTE to a directory or s3://bucket/prefix (in the environment or .env)."],
    });
  if (url.startsWith("s3://")) return s3Remote(url, env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith("file://"))
    throw new LabbookError(`unsupported LABBOOK_REMOTE "${url}": use a directory or s3://bucket/prefix`, {
      code: "E_CONFIG",
    });
  return directoryRemote(path.resolve(config.root, url.replace(/^file:\/\//, "")));
}
