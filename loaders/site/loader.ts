import { createHash } from "node:crypto";
import { once } from "node:events";
import path from "node:path";
import yazl from "yazl";
import { isLabbookError, LabbookError, printError } from "../errors.ts";
import { hideSecrets } from "../sources/database-url.ts";
import type { SiteContext } from "./context.ts";
import type { LineageReads } from "./records.ts";
import { stampOutput } from "./stamps.ts";

/** What a TypeScript loader reads, declared in the loader file itself. */
export interface LoaderDeclaration {
  /** The pinned datasets it reads, or "all" for every dataset of the pin set. It can open no other. */
  reads: readonly string[] | "all";
  /** The lineage records it reads of those datasets (see records.ts); none when unset. */
  lineage?: LineageReads;
  /** Re-run on every build: its output records the build itself (time, git commit). */
  volatile?: boolean;
}

/**
 * A `.json.ts` loader computes one value, printed as JSON; a `.zip.ts` loader computes one value per file name, each
 * printed as JSON into the zip (data/x.zip → data/x/<name>).
 */
export type Compute = (ctx: SiteContext) => Promise<unknown>;

export interface LoaderDefinition extends LoaderDeclaration {
  compute: Compute;
}

// A global, not a module variable: the build and Framework's config may load this module through different loaders.
const DESCRIBE = Symbol.for("labbook.site.describeLoaders");

/** While set, importing a loader file only declares it (the build reads what it reads); nothing runs. */
export function describeOnly<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<symbol, unknown>;
  const before = g[DESCRIBE];
  g[DESCRIBE] = true;
  return fn().finally(() => (g[DESCRIBE] = before));
}

/**
 * A TypeScript data loader: `export default defineLoader({reads: ["behavioral_events"]}, compute)`. Framework runs the
 * file; it then opens the declared datasets at the build's pins (pseudonymized views, see views.ts), computes and
 * prints the result. When the build imports the file to learn what it reads, it only returns the definition.
 */
export function defineLoader(declaration: LoaderDeclaration, compute: Compute): LoaderDefinition {
  const definition = { ...declaration, compute };
  if (!(globalThis as Record<symbol, unknown>)[DESCRIBE]) void runLoader(process.argv[1] ?? "", definition);
  return definition;
}

export const isLoaderDefinition = (value: unknown): value is LoaderDefinition =>
  !!value && typeof value === "object" && typeof (value as LoaderDefinition).compute === "function";

/**
 * Builds the context, computes and writes the output to stdout, where Framework caches it. Errors go to stderr with a
 * non-zero exit, which fails the build (never a half-written file: Framework renames the output only on success).
 */
async function runLoader(file: string, definition: LoaderDefinition): Promise<void> {
  await guarded(file, async () => {
    // Imported here: a loader file imported only to be described loads no DuckDB and no config.
    const { siteContext } = await import("./context.ts");
    const value = await definition.compute(await siteContext(definition, process.env, file));
    const digest = /\.zip\.[jt]s$/.test(file)
      ? await writeZip(value as Record<string, unknown>)
      : await write(JSON.stringify(value));
    await stampOutput(process.env, file, digest);
  });
}

/** Writes the zip to stdout; returns the SHA-256 of its bytes. */
async function writeZip(files: Record<string, unknown>): Promise<string> {
  const zip = new yazl.ZipFile();
  // A fixed mtime keeps the archive's bytes a function of its contents.
  const mtime = new Date(Date.UTC(2000, 0, 1));
  for (const [name, value] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b)))
    zip.addBuffer(Buffer.from(JSON.stringify(value)), name, { mtime });
  zip.end();
  const hash = createHash("sha256");
  zip.outputStream.on("data", (chunk: Buffer) => hash.update(chunk));
  zip.outputStream.pipe(process.stdout);
  await once(zip.outputStream, "end");
  return hash.digest("hex");
}

/** Writes a loader's output to stdout; returns the SHA-256 of its bytes, for its stamp (stamps.ts). */
export async function write(text: string): Promise<string> {
  const bytes = Buffer.from(text);
  if (!process.stdout.write(bytes)) await once(process.stdout, "drain");
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Runs a loader's body, turning an error into lines on stderr and exit code 1 (Framework then fails the build). The
 * first line names the loader file (`error: src/x.json.sql: …`), which the build reports as its own error.
 */
export async function guarded(file: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    // A loader's own error (a failing query, a throw in its code) is what the page's author needs, not "unexpected".
    const e = isLabbookError(error)
      ? error
      : new LabbookError((error as Error)?.message ?? String(error), { code: "E_IO", cause: error });
    printError(e, { context: path.relative(process.cwd(), path.resolve(file)), hide: hideSecrets });
    process.exitCode = 1;
  }
}
