import { LabbookError } from "../errors.ts";
import { writeManifest, writeManifestList } from "./manifest.ts";
import { manifestListName, manifestName, type TableMetadata, type TablePlan } from "./metadata.ts";
import type { Warehouse } from "./warehouse.ts";

/**
 * A file-based Iceberg catalog, as Hadoop's catalog lays it out: <table>/metadata/v<N>.metadata.json, and
 * version-hint.text naming the newest N. Each commit writes a new metadata file; none is ever rewritten.
 */
export interface CurrentTable {
  /** N of the newest metadata file. */
  number: number;
  metadata: TableMetadata;
  /** Whether version-hint.text already names it (not so after an export stopped between the two writes). */
  hinted: boolean;
}

const METADATA_FILE = /^v(\d+)\.metadata\.json$/;
export const metadataKey = (table: string, n: number) => `${table}/metadata/v${n}.metadata.json`;
const hintKey = (table: string) => `${table}/metadata/version-hint.text`;

/** The table's newest metadata, or undefined for a table not written yet. */
export async function readTable(wh: Warehouse, table: string): Promise<CurrentTable | undefined> {
  const numbers = (await wh.list(`${table}/metadata`))
    .map((name) => METADATA_FILE.exec(name)?.[1])
    .filter((n) => n !== undefined)
    .map(Number);
  if (numbers.length === 0) return undefined;
  // The newest complete file wins, whatever the hint says: each is written whole, the hint after it.
  const number = Math.max(...numbers);
  const key = metadataKey(table, number);
  const text = await wh.read(key);
  let metadata: TableMetadata;
  try {
    metadata = JSON.parse(text?.toString("utf8") ?? "") as TableMetadata;
    if (metadata["format-version"] !== 2 || !Array.isArray(metadata.snapshots)) throw new Error("not format v2");
  } catch (e) {
    throw new LabbookError(`unreadable Iceberg metadata ${wh.location}/${key}: ${(e as Error).message}`, {
      code: "E_INTEGRITY",
      details: ["labbook writes only the tables it made; move this one away or choose another --warehouse."],
    });
  }
  const hint = (await wh.read(hintKey(table)))?.toString("utf8").trim();
  return { number, metadata, hinted: hint === String(number) };
}

/**
 * Commits a plan: each new snapshot's manifest, then its manifest list, then the new metadata file (never over an
 * existing one), and version-hint.text last. Stopped at any point, the previous metadata stays current; what was
 * written before the stop is unreferenced and rewritten the same by the next run.
 */
export async function commitTable(
  wh: Warehouse,
  table: string,
  current: CurrentTable | undefined,
  plan: TablePlan,
  signal?: AbortSignal,
): Promise<number> {
  const location = plan.metadata.location;
  for (const { snapshot, files } of plan.added) {
    signal?.throwIfAborted();
    const manifest = await writeManifest(files);
    await wh.write(`${table}/metadata/${manifestName(files)}`, manifest);
    const list = await writeManifestList(
      files,
      { path: `${location}/metadata/${manifestName(files)}`, length: manifest.length },
      snapshot["parent-snapshot-id"],
    );
    await wh.write(`${table}/metadata/${manifestListName(files)}`, list);
  }
  const number = (current?.number ?? 0) + 1;
  const metadata = structuredClone(plan.metadata);
  if (current) {
    metadata["metadata-log"].push({
      "metadata-file": `${location}/metadata/v${current.number}.metadata.json`,
      "timestamp-ms": current.metadata["last-updated-ms"],
    });
  }
  signal?.throwIfAborted();
  await wh.write(metadataKey(table, number), Buffer.from(JSON.stringify(metadata, null, 2) + "\n"), {
    exclusive: true,
  });
  await writeHint(wh, table, number);
  return number;
}

/** Points version-hint.text at metadata file N. */
export function writeHint(wh: Warehouse, table: string, n: number): Promise<void> {
  return wh.write(hintKey(table), Buffer.from(String(n)));
}
