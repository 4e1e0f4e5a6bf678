import { createHash } from "node:crypto";
import path from "node:path";
import { readsOf, type SiteLoader } from "./discover.ts";
import { recordDigests } from "./records.ts";
import { sourceHash } from "./sources.ts";

/** Everything a loader's output depends on besides the clock. */
export interface FingerprintInputs {
  /** The project root, where src/ and loaders/ live. */
  root: string;
  /** Where the lineage records are, for loaders that read them. */
  lineageDir: string;
  pinSet: string;
  pins: Record<string, string>;
  /** The pseudonym key's public id: a new key changes every pseudonym. */
  keyId: string;
}

/** The program that runs every SQL loader (Framework's interpreter for .sql, see observablehq.config.ts). */
export const sqlRunner = (root: string) => path.join(root, "loaders", "site", "sql-main.ts");

/**
 * A loader's fingerprint: the pin set, the versions of the datasets it reads, a hash of each lineage record it reads,
 * the pseudonym key id, and the code it runs: a TypeScript loader's file and every local file it imports,
 * transitively; a SQL loader's text and the runner's code. Equal fingerprints mean the cached output is still right.
 */
export async function loaderFingerprint(loader: SiteLoader, inputs: FingerprintInputs): Promise<string> {
  const reads = readsOf(loader, inputs.pins);
  const doc = {
    pinSet: inputs.pinSet,
    versions: Object.fromEntries(reads.map((d) => [d, inputs.pins[d] ?? null])),
    records: loader.lineage
      ? await recordDigests(
          inputs.lineageDir,
          loader.lineage,
          reads.filter((d) => inputs.pins[d]).map((d) => ({ dataset: d, version: inputs.pins[d]! })),
        )
      : null,
    keyId: inputs.keyId,
    sources:
      loader.kind === "sql"
        ? { sql: loader.sql ?? null, runner: await sourceHash(sqlRunner(inputs.root), inputs.root) }
        : await sourceHash(path.join(inputs.root, "src", loader.file), inputs.root),
  };
  return createHash("sha256").update(JSON.stringify(doc)).digest("hex");
}
