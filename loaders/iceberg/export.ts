import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { withDuckDB } from "../duckdb.ts";
import { LabbookError, usageError } from "../errors.ts";
import { listDatasets, listVersions, type VersionEntry } from "../lineage/catalog.ts";
import { readPins, type Pins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { parseS3Url, s3Remote } from "../remote/s3.ts";
import { readableFiles } from "../store/files.ts";
import { parquetRowCount } from "../store/parquet.ts";
import { shortVersion } from "../lineage/version.ts";
import { commitTable, readTable, writeHint } from "./catalog.ts";
import type { DataFile } from "./manifest.ts";
import { planTable, VERSION_KEY, type TableMetadata, type VersionInput } from "./metadata.ts";
import { registerTables, type Registration, type RestCatalogOptions } from "./rest.ts";
import { fileColumns } from "./schema.ts";
import { openWarehouse, type Warehouse } from "./warehouse.ts";

export interface IcebergOptions {
  /** A directory (relative to the working directory) or s3://bucket/prefix. */
  warehouse: string;
  /** The pin sets that become tags; all of lineage/pins.json when absent. */
  pinSets?: string[];
  log?: Logger;
  signal?: AbortSignal;
  /** The clock, for last-updated-ms. */
  clock?: () => number;
  /** New tables' UUIDs. */
  uuid?: () => string;
  env?: NodeJS.ProcessEnv;
  /** Also register every table with this Iceberg REST catalog. */
  catalog?: RestCatalogOptions;
  /** The warehouse to write through; opened from `warehouse` when absent (tests pass one that fails on cue). */
  open?: (where: string) => Warehouse;
}

export interface TableResult {
  dataset: string;
  /** The table's directory, as engines open it. */
  location: string;
  /** The metadata file now current, relative to the warehouse. */
  metadata: string;
  /** False when the table already said everything: no file was written. */
  written: boolean;
  /** Versions added as snapshots by this run, oldest first. */
  added: string[];
  snapshots: number;
  current: string;
  /** Tag → version. */
  tags: Record<string, string>;
  /** Versions left out, with why (their objects are not where the warehouse's readers would look). */
  skipped: { version: string; reason: string }[];
  /** Versions whose Parquet field ids give an id to another column than elsewhere in the table. */
  conflicts: { version: string; columns: string[] }[];
  /** With a REST catalog: what registering the table did. */
  catalog?: Registration;
}

export interface IcebergResult {
  warehouse: string;
  tables: TableResult[];
}

/**
 * Writes or updates one Iceberg table per dataset in a file-based catalog: each version a snapshot over its own
 * Parquet objects (the store's for a directory warehouse, the remote's for S3; nothing is copied), the latest version
 * current, and each pin set a tag. A table that already says all of it is left untouched.
 */
export async function exportIceberg(config: Config, options: IcebergOptions): Promise<IcebergResult> {
  const log = options.log ?? silentLogger;
  const env = options.env ?? process.env;
  const pins = await readPins(config.lineageDir);
  const sets = selectSets(pins, options.pinSets);
  const wh = (options.open ?? ((w) => openWarehouse(w, env)))(options.warehouse);
  try {
    const where = await dataLocation(config, wh, env);
    const tables: TableResult[] = [];
    await withDuckDB(async (con) => {
      for (const dataset of await listDatasets(config.lineageDir)) {
        options.signal?.throwIfAborted();
        const versions = await listVersions(config.lineageDir, dataset);
        if (versions.length === 0) continue;
        const current = await readTable(wh, dataset);
        const have = new Set(current?.metadata.snapshots.map((s) => s.summary[VERSION_KEY]));
        const { inputs, skipped } = await versionInputs(con, config, dataset, versions, have, where);
        if (inputs.length === 0) {
          log.warn(`${dataset}: no version can be a snapshot (${skipped[0]!.reason}); no table written`);
          continue;
        }
        const known = new Set(inputs.map((v) => v.version));
        const latest = versions.find((v) => known.has(v.version))!.version;
        const { tags, dropTags } = tagsOf(dataset, pins, sets, known, log);
        const location = `${wh.location}/${dataset}`;
        const plan = planTable(
          current?.metadata,
          { dataset, location, versions: inputs, latest, tags, dropTags },
          { now: (options.clock ?? Date.now)(), uuid: options.uuid ?? randomUUID },
        );
        let number = current?.number ?? 0;
        if (plan) {
          number = await commitTable(wh, dataset, current, plan, options.signal);
          log.info(`${dataset}: wrote v${number}.metadata.json (${plan.added.length} new snapshots)`);
        } else if (current && !current.hinted) {
          // An export stopped after its metadata file and before the hint: finish it.
          await writeHint(wh, dataset, number);
        }
        const metadata = plan?.metadata ?? current!.metadata;
        for (const c of plan?.conflicts ?? [])
          log.warn(
            `${dataset}@${shortVersion(c.version)}: field ids of ${c.columns.join(", ")} differ from other versions`,
          );
        tables.push({
          ...describeTable(dataset, location, number, metadata, plan !== undefined),
          added: plan?.added.map((a) => a.snapshot.summary[VERSION_KEY]!) ?? [],
          skipped,
          conflicts: plan?.conflicts ?? [],
        });
      }
    });
    if (options.catalog) {
      const done = await registerTables(
        options.catalog,
        tables.map((t) => ({ dataset: t.dataset, metadataLocation: `${wh.location}/${t.metadata}` })),
      );
      for (const t of tables) t.catalog = done[t.dataset];
    }
    return { warehouse: wh.location, tables };
  } finally {
    wh.close();
  }
}

/**
 * The versions a table is to hold, oldest first. Those it has already need only their lineage; a new one also needs its
 * data files where the warehouse's readers find them, and its columns from its Parquet footer. Versions whose files
 * are not there are left out, with why.
 */
async function versionInputs(
  con: DuckDBConnection,
  config: Config,
  dataset: string,
  versions: VersionEntry[],
  have: Set<string | undefined>,
  where: DataLocation,
): Promise<{ inputs: VersionInput[]; skipped: TableResult["skipped"] }> {
  const inputs: VersionInput[] = [];
  const skipped: TableResult["skipped"] = [];
  for (const entry of [...versions].reverse()) {
    const input = inputOf(entry);
    if (!have.has(entry.version)) {
      // The store's one answer to "which files hold this version": one object, or its partitions, each checked
      // against its hash before its footer is read and its bytes are published.
      const local = await readableFiles(config.dataDir, entry.version, dataset);
      const files = local && (await where.files(local));
      if (!local || !files) {
        skipped.push({ version: entry.version, reason: local ? where.absent : "not in the local store" });
        continue;
      }
      input.columns = await fileColumns(con, local[0]!, `${dataset}@${shortVersion(entry.version)}`);
      input.files = await Promise.all(
        files.map(async (f, i) => ({ ...f, records: await parquetRowCount(con, local[i]!) })),
      );
    }
    inputs.push(input);
  }
  return { inputs, skipped };
}

/** What a table now says, by labbook version. */
function describeTable(dataset: string, location: string, n: number, metadata: TableMetadata, written: boolean) {
  const versionOf = (id: number) => metadata.snapshots.find((s) => s["snapshot-id"] === id)!.summary[VERSION_KEY]!;
  return {
    dataset,
    location,
    metadata: `${dataset}/metadata/v${n}.metadata.json`,
    written,
    snapshots: metadata.snapshots.length,
    current: versionOf(metadata["current-snapshot-id"]),
    tags: Object.fromEntries(
      Object.entries(metadata.refs)
        .filter(([, r]) => r.type === "tag")
        .map(([name, r]) => [name, versionOf(r["snapshot-id"])]),
    ),
  };
}

function inputOf(entry: VersionEntry): VersionInput {
  return {
    version: entry.version,
    createdAt: Date.parse(entry.createdAt),
    runId: entry.record.run.runId,
    job: entry.job,
    rowCount: entry.rowCount,
  };
}

/** The pin sets asked for, each checked to exist; all of them when none are named. */
function selectSets(pins: Pins, wanted: string[] | undefined): { sets: string[]; all: boolean } {
  if (!wanted?.length) return { sets: Object.keys(pins), all: true };
  const unknown = wanted.filter((s) => !(s in pins));
  if (unknown.length)
    throw usageError(`no pin set ${unknown.map((s) => `"${s}"`).join(", ")} in lineage/pins.json`, [
      `Pin sets: ${Object.keys(pins).join(", ") || "none"}.`,
    ]);
  return { sets: wanted, all: false };
}

/**
 * The tags of a dataset's table: each chosen pin set that pins it, on its version. A chosen set that no longer pins
 * it loses its tag; with every set chosen, so does a tag whose set is gone.
 */
function tagsOf(
  dataset: string,
  pins: Pins,
  chosen: { sets: string[]; all: boolean },
  known: Set<string>,
  log: Logger,
): { tags: Record<string, string>; dropTags: string[] | "others" } {
  const tags: Record<string, string> = {};
  const dropTags: string[] = [];
  for (const set of chosen.sets) {
    const version = pins[set]?.[dataset];
    if (set === "main") {
      log.warn(`pin set "main" is not a tag: Iceberg's main branch has that name`);
    } else if (!version) dropTags.push(set);
    else if (!known.has(version)) {
      log.warn(
        `${dataset}: pin set ${set} pins ${shortVersion(version)}, which cannot be a snapshot here, so it has no tag`,
      );
    } else tags[set] = version;
  }
  return { tags, dropTags: chosen.all ? "others" : dropTags };
}

/** How a version's local files become the data files a warehouse's readers open. */
interface DataLocation {
  files(local: string[]): Promise<Omit<DataFile, "records">[] | undefined>;
  /** Why a version's files are not there. */
  absent: string;
}

/**
 * A directory warehouse reads the store's objects in place. An S3 warehouse reads the remote's (LABBOOK_REMOTE, which
 * must then be on S3): the remote's keys mirror the store's layout, and a version not pushed is left out.
 */
async function dataLocation(config: Config, wh: Warehouse, env: NodeJS.ProcessEnv): Promise<DataLocation> {
  if (!wh.location.startsWith("s3://")) {
    return {
      files: (local) => Promise.all(local.map(async (f) => ({ path: `file://${f}`, size: (await stat(f)).size }))),
      absent: "not in the local store",
    };
  }
  if (!config.remote?.startsWith("s3://"))
    throw new LabbookError("an S3 warehouse reads the objects on the remote, and LABBOOK_REMOTE is not on S3", {
      code: "E_CONFIG",
      details: [
        "Set LABBOOK_REMOTE to s3://bucket/prefix and `labbook push` the versions, or use a directory warehouse.",
      ],
    });
  const { bucket, prefix } = parseS3Url(config.remote);
  const remote = s3Remote(config.remote, env);
  let objects: Map<string, number>;
  try {
    objects = await remote.list("objects/");
  } finally {
    remote.close();
  }
  return {
    async files(local) {
      const keys = local.map((f) => path.relative(config.dataDir, f).split(path.sep).join("/"));
      if (!keys.every((k) => objects.has(k))) return undefined;
      return keys.map((k) => ({ path: `s3://${bucket}/${prefix}${k}`, size: objects.get(k)! }));
    },
    absent: "not on the remote (labbook push it)",
  };
}
