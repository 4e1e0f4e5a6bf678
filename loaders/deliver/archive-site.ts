import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";
import { shortVersion } from "../lineage/version.ts";

/** Where Framework puts a built data loader's output: `_file/data/provenance.<hash>.json`. */
const PROVENANCE = /^_file\/data\/provenance\.[^/]+\.json$/;

/**
 * The files of the built site in `dir`, checked to show exactly this pin set: every page's footer reads the
 * provenance the build recorded (pin set and versions), so a site built from other pins would mislabel the archive.
 */
export async function siteFilesFor(dir: string, set: string, pins: Record<string, string>): Promise<string[]> {
  const entries = existsSync(dir)
    ? (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())
    : [];
  if (entries.length === 0)
    throw new LabbookError(`no built site in ${dir}`, { code: "E_NOT_FOUND", details: [rebuild(set)] });
  const files = entries.map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
  const provenance = files.filter((f) => PROVENANCE.test(f));
  if (provenance.length === 0)
    throw new LabbookError(`the built site in ${dir} records no provenance: which pins it shows cannot be checked`, {
      code: "E_VALIDATION",
      details: [rebuild(set)],
    });
  for (const file of provenance) {
    const built = await readProvenance(path.join(dir, ...file.split("/")), set);
    const problems = mismatches(built, set, pins);
    if (problems.length)
      throw new LabbookError(`the built site in ${dir} does not show pin set "${set}": ${problems.join("; ")}`, {
        code: "E_VALIDATION",
        details: [rebuild(set)],
      });
  }
  return files.sort();
}

const rebuild = (set: string) => `Build it from this pin set first: LABBOOK_PINS=${set} npm run build`;

async function readProvenance(file: string, set: string): Promise<{ pinSet?: unknown; pins?: unknown }> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as unknown;
    if (value && typeof value === "object") return value;
  } catch {
    // Reported below, as for any other shape.
  }
  throw new LabbookError(`the built site's provenance ${file} is unreadable`, {
    code: "E_VALIDATION",
    details: [rebuild(set)],
  });
}

/** How the recorded provenance differs from the pin set, one phrase each; empty when it matches. */
function mismatches(built: { pinSet?: unknown; pins?: unknown }, set: string, pins: Record<string, string>): string[] {
  const out: string[] = [];
  if (built.pinSet !== set) out.push(`it was built from pin set ${JSON.stringify(built.pinSet ?? null)}`);
  const shown = (built.pins && typeof built.pins === "object" ? built.pins : {}) as Record<string, unknown>;
  const name = (v: unknown) => (typeof v === "string" && v.startsWith("sha256:") ? shortVersion(v) : String(v));
  for (const dataset of [...new Set([...Object.keys(pins), ...Object.keys(shown)])].sort()) {
    if (shown[dataset] === pins[dataset]) continue;
    if (!(dataset in shown)) out.push(`${dataset} is pinned but not in the site`);
    else if (!(dataset in pins)) out.push(`${dataset}@${name(shown[dataset])} is in the site but not pinned`);
    else out.push(`${dataset} is ${name(shown[dataset])} in the site, ${name(pins[dataset])} pinned`);
  }
  return out;
}
