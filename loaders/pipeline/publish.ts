import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { listVersions, readRecord, recordPath } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { withLock } from "../lock.ts";
import { commitObject, type StagedFile } from "../store/objects.ts";
import { shortVersion } from "../lineage/version.ts";
import { stageFacetOf } from "./state.ts";

/**
 * Publishes a stage's output under the store lock: the object (once per version), then its lineage record.
 *
 * Unlike an ingest, a stage may reproduce bytes an earlier run already stored (an input changed in a way this stage
 * does not see, or a change was reverted). Its record is then replaced by this run's, so that the newest record,
 * which is what staleness reads, names the definition and inputs of the latest run. The record it replaces described
 * the same bytes; git keeps its history.
 */
export async function publishStage(
  dirs: { dataDir: string; lineageDir: string; onCommit?: (what: string) => void },
  dataset: string,
  staged: StagedFile,
  record: LineageRecord,
): Promise<{ stored: boolean; recorded: boolean; newVersion: boolean }> {
  return withLock(dirs, async () => {
    const stored = await commitObject(dirs.dataDir, staged);
    const version = staged.version;
    const file = recordPath(dirs.lineageDir, dataset, version);
    const newVersion = !existsSync(file);
    if (!newVersion) {
      const [latest] = await listVersions(dirs.lineageDir, dataset);
      const existing = stageFacetOf(await readRecord(dirs.lineageDir, dataset, version));
      const fingerprint = stageFacetOf(record)?.fingerprint;
      if (latest?.version === version && existing?.fingerprint === fingerprint)
        return { stored, recorded: false, newVersion };
    }
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
    await rename(tmp, file);
    dirs.onCommit?.(`${dataset}@${shortVersion(version)}`);
    return { stored, recorded: true, newVersion };
  });
}
