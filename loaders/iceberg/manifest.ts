import { avroFile } from "./_avro.ts";
import type { IcebergSchema } from "./schema.ts";

/** A data file as a manifest lists it. */
export interface DataFile {
  /** Absolute path or URI, as readers open it. */
  path: string;
  size: number;
  records: number;
}

// Iceberg's manifest schemas (format v2), with the field ids the spec gives each field. Optional fields labbook has
// nothing to say about (column statistics, split offsets, key metadata) are left out, as the spec allows.
const optionalLong = ["null", "long"];

const MANIFEST_ENTRY = {
  type: "record",
  name: "manifest_entry",
  fields: [
    { name: "status", type: "int", "field-id": 0 },
    { name: "snapshot_id", type: optionalLong, default: null, "field-id": 1 },
    { name: "sequence_number", type: optionalLong, default: null, "field-id": 3 },
    { name: "file_sequence_number", type: optionalLong, default: null, "field-id": 4 },
    {
      name: "data_file",
      "field-id": 2,
      type: {
        type: "record",
        name: "r2",
        fields: [
          { name: "content", type: "int", "field-id": 134 },
          { name: "file_path", type: "string", "field-id": 100 },
          { name: "file_format", type: "string", "field-id": 101 },
          { name: "partition", type: { type: "record", name: "r102", fields: [] }, "field-id": 102 },
          { name: "record_count", type: "long", "field-id": 103 },
          { name: "file_size_in_bytes", type: "long", "field-id": 104 },
        ],
      },
    },
  ],
};

const MANIFEST_FILE = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", "field-id": 500 },
    { name: "manifest_length", type: "long", "field-id": 501 },
    { name: "partition_spec_id", type: "int", "field-id": 502 },
    { name: "content", type: "int", "field-id": 517 },
    { name: "sequence_number", type: "long", "field-id": 515 },
    { name: "min_sequence_number", type: "long", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", "field-id": 503 },
    { name: "added_files_count", type: "int", "field-id": 504 },
    { name: "existing_files_count", type: "int", "field-id": 505 },
    { name: "deleted_files_count", type: "int", "field-id": 506 },
    { name: "added_rows_count", type: "long", "field-id": 512 },
    { name: "existing_rows_count", type: "long", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", "field-id": 514 },
  ],
};

/** What one snapshot adds: the files of one labbook version, all new in that snapshot. */
export interface SnapshotFiles {
  snapshotId: number;
  sequenceNumber: number;
  schema: IcebergSchema;
  files: DataFile[];
}

/** The manifest of a snapshot: its data files, each ADDED in it, in the unpartitioned spec 0. */
export function writeManifest(s: SnapshotFiles): Promise<Buffer> {
  const entries = s.files.map((f) => ({
    status: 1,
    snapshot_id: s.snapshotId,
    sequence_number: s.sequenceNumber,
    file_sequence_number: s.sequenceNumber,
    data_file: {
      content: 0,
      file_path: f.path,
      file_format: "PARQUET",
      partition: {},
      record_count: f.records,
      file_size_in_bytes: f.size,
    },
  }));
  return avroFile(MANIFEST_ENTRY, entries, {
    schema: JSON.stringify(s.schema),
    "schema-id": String(s.schema["schema-id"]),
    "partition-spec": "[]",
    "partition-spec-id": "0",
    "format-version": "2",
    content: "data",
  });
}

/** The manifest list of a snapshot: its one manifest, at `manifestPath`, `manifestLength` bytes long. */
export function writeManifestList(
  s: SnapshotFiles,
  manifest: { path: string; length: number },
  parentSnapshotId: number | undefined,
): Promise<Buffer> {
  const record = {
    manifest_path: manifest.path,
    manifest_length: manifest.length,
    partition_spec_id: 0,
    content: 0,
    sequence_number: s.sequenceNumber,
    min_sequence_number: s.sequenceNumber,
    added_snapshot_id: s.snapshotId,
    added_files_count: s.files.length,
    existing_files_count: 0,
    deleted_files_count: 0,
    added_rows_count: s.files.reduce((n, f) => n + f.records, 0),
    existing_rows_count: 0,
    deleted_rows_count: 0,
  };
  return avroFile(MANIFEST_FILE, [record], {
    "snapshot-id": String(s.snapshotId),
    "parent-snapshot-id": parentSnapshotId === undefined ? "null" : String(parentSnapshotId),
    "sequence-number": String(s.sequenceNumber),
    "format-version": "2",
  });
}
