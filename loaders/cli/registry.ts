import type { CommandDef } from "./command.ts";

interface Entry {
  summary: string;
  load: () => Promise<{ default: CommandDef }>;
}

/** Every CLI command: one line of help and a lazy import, so `labbook --help` loads nothing heavy. */
export const commands: Record<string, Entry> = {
  db: { summary: "Show, start or stop the embedded PostgreSQL server", load: () => import("./commands/db.ts") },
  ingest: {
    summary: "Export source datasets from PostgreSQL to versioned Parquet with lineage",
    load: () => import("./commands/ingest.ts"),
  },
  run: {
    summary: "Bring derived datasets up to date: run the stages whose definition or inputs changed",
    load: () => import("./commands/run.ts"),
  },
  check: {
    summary: "Run the datasets' quality checks and store the results as quality_results",
    load: () => import("./commands/check.ts"),
  },
  versions: { summary: "List a dataset's versions, newest first", load: () => import("./commands/versions.ts") },
  show: { summary: "Print a version's lineage record", load: () => import("./commands/show.ts") },
  pin: { summary: "Pin dataset versions in a pin set of lineage/pins.json", load: () => import("./commands/pin.ts") },
  unpin: { summary: "Remove pins from a pin set", load: () => import("./commands/unpin.ts") },
  pins: { summary: "List pin sets, now or at a git revision", load: () => import("./commands/pins.ts") },
  verify: {
    summary: "Re-hash objects and check them against their lineage records",
    load: () => import("./commands/verify.ts"),
  },
  diff: {
    summary: "Compare two versions of a dataset: schema and rows by key",
    load: () => import("./commands/diff.ts"),
  },
  gc: {
    summary: "Delete objects no pin (now or in git history) and no recent version needs",
    load: () => import("./commands/gc.ts"),
  },
  push: { summary: "Upload a pin set's objects and lineage to the remote", load: () => import("./commands/push.ts") },
  pull: {
    summary: "Download and verify a pin set's objects and lineage from the remote",
    load: () => import("./commands/pull.ts"),
  },
  status: {
    summary: "Where each pinned dataset is (local, remote, missing), its age and freshness",
    load: () => import("./commands/status.ts"),
  },
  export: {
    summary: "Export a dataset version as CSV, NDJSON or (partitioned) Parquet with a manifest",
    load: () => import("./commands/export.ts"),
  },
  exports: { summary: "List the exports on disk, from their manifests", load: () => import("./commands/exports.ts") },
  archive: {
    summary: "Zip a pin set's objects, lineage, quality results and site for an experiment; --verify a zip",
    load: () => import("./commands/archive.ts"),
  },
  offload: {
    summary: "Move old unpinned versions into an offload zip, optionally removing them from the store",
    load: () => import("./commands/offload.ts"),
  },
  iceberg: {
    summary: "Publish each dataset as an Apache Iceberg table: versions as snapshots, pin sets as tags",
    load: () => import("./commands/iceberg.ts"),
  },
  "sync-duckdb": {
    summary: "Load a pin set into the persistent DuckDB research database, swapping tables atomically",
    load: () => import("./commands/sync-duckdb.ts"),
  },
  sql: { summary: "Run ad-hoc SQL where every pinned dataset is a view", load: () => import("./commands/sql.ts") },
  analyze: {
    summary: "Single-case statistics of experiment protocols on the pinned data",
    load: () => import("./commands/analyze.ts"),
  },
  seed: {
    summary: "Fill the database with deterministic synthetic research data",
    load: () => import("./commands/seed.ts"),
  },
  build: {
    summary: "Build the report site from the pinned versions, offline (npm run build)",
    load: () => import("./commands/build.ts"),
  },
  dev: { summary: "Preview the report site with live reload (npm run dev)", load: () => import("./commands/dev.ts") },
  new: {
    summary: "Start a report page: a Markdown page and its SQL loader in src/",
    load: () => import("./commands/new.ts"),
  },
};
