import { createHash } from "node:crypto";
import { LabbookError } from "../errors.ts";
import type { DataFile, SnapshotFiles } from "./manifest.ts";
import { fieldIdsOf, nameMapping, versionFields, type FileColumn, type IcebergSchema } from "./schema.ts";

/** Iceberg table metadata, format v2: the parts labbook writes (https://iceberg.apache.org/spec/#table-metadata). */
export interface TableMetadata {
  "format-version": 2;
  "table-uuid": string;
  location: string;
  "last-sequence-number": number;
  "last-updated-ms": number;
  "last-column-id": number;
  schemas: IcebergSchema[];
  "current-schema-id": number;
  "partition-specs": { "spec-id": number; fields: unknown[] }[];
  "default-spec-id": number;
  "last-partition-id": number;
  "sort-orders": { "order-id": number; fields: unknown[] }[];
  "default-sort-order-id": number;
  properties: Record<string, string>;
  "current-snapshot-id": number;
  refs: Record<string, { "snapshot-id": number; type: "branch" | "tag" }>;
  snapshots: Snapshot[];
  "snapshot-log": { "snapshot-id": number; "timestamp-ms": number }[];
  "metadata-log": { "metadata-file": string; "timestamp-ms": number }[];
}

export interface Snapshot {
  "snapshot-id": number;
  "parent-snapshot-id"?: number;
  "sequence-number": number;
  "timestamp-ms": number;
  "manifest-list": string;
  summary: Record<string, string>;
  "schema-id": number;
}

/** One labbook version, as a table gets it. */
export interface VersionInput {
  version: string;
  /** When the version was made (its lineage record's eventTime), ms. */
  createdAt: number;
  runId: string;
  job: string;
  rowCount: number;
  /** Its data files and their columns: needed only for versions the table does not have yet. */
  files?: DataFile[];
  columns?: FileColumn[];
}

export interface TableState {
  dataset: string;
  /** The table's directory, as readers open it (file:///… or s3://…), without a trailing slash. */
  location: string;
  /** Every version to have a snapshot, oldest first. */
  versions: VersionInput[];
  /** The dataset's latest version: the current snapshot. */
  latest: string;
  /** Tag name → the version it marks. Tags of the table not named here are kept as they are. */
  tags: Record<string, string>;
  /** Tags to remove (a pin set that no longer pins the dataset), or "others": every tag not in `tags`. */
  dropTags: string[] | "others";
}

export interface TablePlan {
  metadata: TableMetadata;
  /** Snapshots new in this metadata, each needing its manifest and manifest list written first. */
  added: { snapshot: Snapshot; files: SnapshotFiles }[];
  /** Columns whose file field ids mean another column elsewhere in the table, by version. */
  conflicts: { version: string; columns: string[] }[];
}

export const VERSION_KEY = "labbook.version";
const UNPARTITIONED = 999;

/**
 * A snapshot id for a version: its first 52 bits, so the same version has the same id in every warehouse, and the id
 * survives JSON readers that hold numbers as doubles.
 */
export function snapshotIdOf(version: string): number {
  const hex = createHash("sha256").update(version).digest("hex");
  return parseInt(hex.slice(0, 13), 16) || 1;
}

/** Where a snapshot's manifest list and manifest go, under the table's metadata directory. */
export const manifestListName = (s: { snapshotId: number; sequenceNumber: number }) =>
  `snap-${s.snapshotId}-${s.sequenceNumber}.avro`;
export const manifestName = (s: { snapshotId: number; sequenceNumber: number }) =>
  `${s.snapshotId}-${s.sequenceNumber}-m0.avro`;

/**
 * The table metadata that describes `state`, built on `previous` (undefined for a new table): versions it lacks
 * become snapshots appended in order, the main branch and the current snapshot follow the latest version, and tags
 * are set or dropped. Undefined when `previous` already says all of it: nothing to write.
 */
export function planTable(
  previous: TableMetadata | undefined,
  state: TableState,
  effects: { now: number; uuid: () => string },
): TablePlan | undefined {
  const meta: TableMetadata = previous ? structuredClone(previous) : emptyTable(state.location, effects.uuid());
  const bySnapshotVersion = new Map(meta.snapshots.map((s) => [s.summary[VERSION_KEY], s]));
  const ids = fieldIdsOf(meta.schemas, meta["last-column-id"]);
  const added: TablePlan["added"] = [];
  const conflicts: TablePlan["conflicts"] = [];
  let head = previous ? meta.refs.main?.["snapshot-id"] : undefined;

  for (const v of state.versions) {
    if (bySnapshotVersion.has(v.version)) continue;
    if (!v.files || !v.columns) throw new Error(`planTable: ${v.version} needs its files and columns`);
    const { fields, conflicts: clash } = versionFields(v.columns, ids);
    if (clash.length) conflicts.push({ version: v.version, columns: clash });
    const schema = schemaFor(meta, fields);
    const sequenceNumber = meta["last-sequence-number"] + 1;
    const snapshotId = snapshotIdOf(v.version);
    if (meta.snapshots.some((s) => s["snapshot-id"] === snapshotId))
      throw new LabbookError(`${state.dataset}: two versions share snapshot id ${snapshotId}`, { code: "E_INTEGRITY" });
    const parent = head === undefined ? undefined : meta.snapshots.find((s) => s["snapshot-id"] === head);
    const files: SnapshotFiles = { snapshotId, sequenceNumber, schema, files: v.files };
    const snapshot: Snapshot = {
      "snapshot-id": snapshotId,
      ...(parent ? { "parent-snapshot-id": parent["snapshot-id"] } : {}),
      "sequence-number": sequenceNumber,
      "timestamp-ms": v.createdAt,
      "manifest-list": `${state.location}/metadata/${manifestListName(files)}`,
      summary: summaryOf(v, v.files, parent),
      "schema-id": schema["schema-id"],
    };
    meta.snapshots.push(snapshot);
    meta["last-sequence-number"] = sequenceNumber;
    bySnapshotVersion.set(v.version, snapshot);
    added.push({ snapshot, files });
    head = snapshotId;
    makeCurrent(meta, snapshot, v.createdAt);
  }
  meta["last-column-id"] = Math.max(meta["last-column-id"], ids.last);
  if (meta["last-column-id"] >= 0) meta.properties["schema.name-mapping.default"] = nameMapping(ids);

  const latest = bySnapshotVersion.get(state.latest);
  if (!latest) throw new Error(`planTable: the latest version ${state.latest} has no snapshot`);
  const latestInput = state.versions.find((v) => v.version === state.latest);
  makeCurrent(meta, latest, latestInput?.createdAt ?? latest["timestamp-ms"]);

  for (const [tag, version] of Object.entries(state.tags)) {
    const s = bySnapshotVersion.get(version);
    if (!s) throw new Error(`planTable: tag ${tag} names ${version}, which has no snapshot`);
    meta.refs[tag] = { "snapshot-id": s["snapshot-id"], type: "tag" };
  }
  for (const [name, ref] of Object.entries(meta.refs)) {
    const drop = state.dropTags === "others" ? !(name in state.tags) : state.dropTags.includes(name);
    if (ref.type === "tag" && drop) delete meta.refs[name];
  }
  meta.refs = sortedRefs(meta.refs);

  if (previous && JSON.stringify(meta) === JSON.stringify(previous)) return undefined;
  meta["last-updated-ms"] = Math.max(effects.now, ...meta["snapshot-log"].map((e) => e["timestamp-ms"]));
  return { metadata: meta, added, conflicts };
}

function emptyTable(location: string, uuid: string): TableMetadata {
  return {
    "format-version": 2,
    "table-uuid": uuid,
    location,
    "last-sequence-number": 0,
    "last-updated-ms": 0,
    "last-column-id": -1,
    schemas: [],
    "current-schema-id": 0,
    "partition-specs": [{ "spec-id": 0, fields: [] }],
    "default-spec-id": 0,
    "last-partition-id": UNPARTITIONED,
    "sort-orders": [{ "order-id": 0, fields: [] }],
    "default-sort-order-id": 0,
    // The data files are labbook's objects, shared with the store and other versions: an engine's snapshot expiry or
    // orphan clean-up must never delete them. Iceberg engines refuse to expire snapshots of a table with gc disabled.
    properties: { "gc.enabled": "false" },
    "current-snapshot-id": -1,
    refs: {},
    snapshots: [],
    "snapshot-log": [],
    "metadata-log": [],
  };
}

/** The table schema with these fields, added when no schema has them yet. */
function schemaFor(meta: TableMetadata, fields: IcebergSchema["fields"]): IcebergSchema {
  const same = meta.schemas.find((s) => JSON.stringify(s.fields) === JSON.stringify(fields));
  if (same) return same;
  const schema: IcebergSchema = {
    type: "struct",
    "schema-id": meta.schemas.reduce((n, s) => Math.max(n, s["schema-id"] + 1), 0),
    fields,
  };
  meta.schemas.push(schema);
  return schema;
}

/** Points the main branch, the current snapshot and schema at `s`, logging the change in the snapshot log. */
function makeCurrent(meta: TableMetadata, s: Snapshot, at: number): void {
  if (meta["current-snapshot-id"] === s["snapshot-id"]) return;
  meta["current-snapshot-id"] = s["snapshot-id"];
  meta["current-schema-id"] = s["schema-id"];
  meta.refs.main = { "snapshot-id": s["snapshot-id"], type: "branch" };
  // Readers expect the log in time order; a version made before the last entry (pulled from elsewhere) logs then.
  const last = meta["snapshot-log"].at(-1)?.["timestamp-ms"] ?? 0;
  meta["snapshot-log"].push({ "snapshot-id": s["snapshot-id"], "timestamp-ms": Math.max(at, last) });
}

function summaryOf(v: VersionInput, files: DataFile[], parent: Snapshot | undefined): Record<string, string> {
  const records = files.reduce((n, f) => n + f.records, 0);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const before = parent?.summary ?? {};
  return {
    // A version is the whole dataset: each snapshot replaces the one before.
    operation: parent ? "overwrite" : "append",
    "added-data-files": String(files.length),
    "added-records": String(records),
    "added-files-size": String(bytes),
    "deleted-data-files": before["total-data-files"] ?? "0",
    "deleted-records": before["total-records"] ?? "0",
    "removed-files-size": before["total-files-size"] ?? "0",
    "total-data-files": String(files.length),
    "total-records": String(records),
    "total-files-size": String(bytes),
    "total-delete-files": "0",
    "total-position-deletes": "0",
    "total-equality-deletes": "0",
    [VERSION_KEY]: v.version,
    "labbook.run-id": v.runId,
    "labbook.job": v.job,
    "labbook.row-count": String(v.rowCount),
    "labbook.created-at": new Date(v.createdAt).toISOString(),
  };
}

/** main first, then tags by name: the same refs always serialise the same way. */
function sortedRefs(refs: TableMetadata["refs"]): TableMetadata["refs"] {
  const names = Object.keys(refs).sort((a, b) => (a === "main" ? -1 : b === "main" ? 1 : a.localeCompare(b)));
  return Object.fromEntries(names.map((n) => [n, refs[n]!]));
}
