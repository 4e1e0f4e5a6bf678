import { once } from "node:events";
import yazl from "yazl";
import { isLabbookError } from "../errors.ts";
import { siteContext, type SiteContext } from "./context.ts";

/**
 * The body of a data loader in src/data: builds the loader's context, computes its data and writes it to stdout, where
 * Framework caches it. Errors go to stderr with a non-zero exit, which fails the build (never a half-written file:
 * Framework renames the output only on success).
 */
export async function runJsonLoader(name: string, compute: (ctx: SiteContext) => Promise<unknown>): Promise<void> {
  await guarded(async () => {
    const data = await compute(await siteContext(name));
    await write(JSON.stringify(data));
  });
}

/** Like runJsonLoader, for a loader that emits one JSON file per page inside a zip (data/<name>.zip → data/<name>/…). */
export async function runZipLoader(
  name: string,
  compute: (ctx: SiteContext) => Promise<Record<string, unknown>>,
): Promise<void> {
  await guarded(async () => {
    const files = await compute(await siteContext(name));
    const zip = new yazl.ZipFile();
    // A fixed mtime keeps the archive's bytes a function of its contents.
    const mtime = new Date(Date.UTC(2000, 0, 1));
    for (const [file, value] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b)))
      zip.addBuffer(Buffer.from(JSON.stringify(value)), file, { mtime });
    zip.end();
    zip.outputStream.pipe(process.stdout);
    await once(zip.outputStream, "end");
  });
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, "drain");
}

async function guarded(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    if (isLabbookError(error)) for (const line of error.details) process.stderr.write(`  ${line}\n`);
    process.exitCode = 1;
  }
}
