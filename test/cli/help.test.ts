import { describe, expect, it } from "vitest";
import { commandHelp, mainHelp } from "../../loaders/cli/help.ts";
import { commands } from "../../loaders/cli/registry.ts";
import { runCli } from "../util/cli.ts";

/**
 * Every registered command's help, checked in-process. A command added to the registry without an entry here fails
 * the test that compares the two lists, so no command's help goes unreviewed.
 */
const snapshots: Record<string, (help: string) => void> = {
  db: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook db status|start|stop

    Show or control the embedded PostgreSQL server that labbook uses when DATABASE_URL is unset.
    Other commands start it on demand, and the last labbook command to finish stops it again; \`db start\` keeps it
    running until \`db stop\`. \`db status\` says which, and lists the labbook processes connected to it.
    ingest and build seed it with the demo data (as labbook seed) when it has no source tables yet.

    Options:
          --json  Print machine-readable JSON on stdout
      -h, --help  Show this help

    Examples:
      labbook db status
      labbook db start
      labbook db stop"
  `),
  ingest: (help) =>
    expect(help).toMatchInlineSnapshot(`
      "Usage: labbook ingest <dataset>|--all [--days N | --since ISO --until ISO] [--user-id ID] [--from GLOB] [--non-strict] [--no-validate] [--full] [--sync-duckdb] [--json]

      Export source datasets from PostgreSQL to immutable, content-hashed Parquet versions with lineage records.
      Rows stream through COPY into DuckDB and out as zstd Parquet sorted by the dataset's sort key; the file is hashed
      as it is written. Identical bytes give the same version, stored once. Rows are validated against the dataset's
      zod schema: by default any invalid row fails the ingest and nothing is written.

      With no DATABASE_URL it reads the embedded PostgreSQL, which it first seeds with the demo data (as labbook seed
      with its defaults) when it has no source tables. A DATABASE_URL database is never seeded.

      A partitioned dataset (behavioral_events, by day) is stored as one object per partition plus a manifest. Its
      ingest fingerprints each partition in PostgreSQL (row count and an order-free hash; no rows transferred) and
      re-exports only the partitions that changed since its latest unfiltered version; the others are reused. The
      version is the same as a --full ingest of the same rows would give.

      Options:
            --all          Ingest every source dataset (behavioral_events, experiment_protocols, phase_assignments, context_metadata)
            --days N       Only rows from the last N days
            --since ISO    Only rows at or after this ISO 8601 date (midnight UTC) or time (UTC unless it ends in ±HH:MM)
            --until ISO    Only rows before this date or time (as --since)
            --user-id ID   Only rows of this user (a bound parameter, never SQL text)
            --non-strict   Version the valid rows; write invalid ones to a rejects Parquet with reasons
            --no-validate  Skip validation (recorded in the lineage)
            --full         Partitioned datasets: re-export every partition instead of only the changed ones
            --sync-duckdb  Afterwards bring the DuckDB research database to the pin set (as labbook sync-duckdb)
            --from GLOB    Read NDJSON/CSV files into a file-source dataset (default: its defaultGlob)
            --json         Print machine-readable JSON on stdout
        -h, --help         Show this help

      Examples:
        labbook ingest --all
        labbook ingest behavioral_events --since 2025-09-01
        labbook ingest behavioral_events --since 2025-07-01 --until 2025-08-01 --non-strict
        labbook ingest context_metadata --user-id cmbb88zk000080007b9ja7ylw --json
        labbook ingest operation_events --from 'logs/ops-*.ndjson' --non-strict"
    `),
  run: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook run [dataset…] [--force] [--dry-run] [--mode recent|all] [--days N]

    Bring derived datasets up to date, in dependency order. A stage runs only when its definition (SQL, schema, keys)
    or the version of one of its inputs changed since its last run, as recorded in its newest lineage record. Stages
    read input versions from the store, never the live database. Naming datasets runs them and whatever stale stages
    they read; with none, every derived dataset. A failing stage stops its dependents and exits 1; outputs that
    were already written stay.

    --mode recent --days N recomputes the last N days (counted back from the newest timestamp in the input, not the
    clock) of day-partitioned stages and merges them with the previous version. It merges only when the result is
    byte-identical to a full run: inputs read whole are unchanged and windowed inputs hold the same rows before the
    cutoff. Otherwise, and for stages that are not day-partitioned, it recomputes in full and says why.

    Options:
          --force      Run the named stages (or all) even when they are up to date
          --dry-run    Print what would run and why, and run nothing
          --mode MODE  "all" recomputes stale stages in full (default); "recent" recomputes only the last --days days
          --days N     With --mode recent: how many days to recompute
          --json       Print machine-readable JSON on stdout
      -h, --help       Show this help

    Examples:
      labbook run
      labbook run --dry-run
      labbook run weekly_metrics --force
      labbook run daily_user_metrics --mode recent --days 90"
  `),
  check: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook check [dataset[@version]…] [--pins SET] [--against VERSION|SET]

    Run the quality checks declared in the dataset definitions on stored versions: the latest version of every
    dataset that has checks and versions, the named ones, or with --pins the versions a pin set pins. Checks that
    read other datasets (relationships, no_gaps within, freshness against a dataset) read them at the same pins, or
    at their latest version. Prints each check's status, failing count and a sample of failing rows, and stores the
    outcome as a version of the quality_results dataset. Exits 1 when an error-severity check fails; a failed
    warn-severity check is reported and exits 0.
    Drift checks (row_count_change, null_rate_change, distribution_shift, category_shift, settled_rows_changed)
    compare each checked version with its previous version, or with what --against names.

    Options:
          --pins SET             Check the versions this pin set pins, and read other datasets at their pinned versions
          --against VERSION|SET  Compare drift checks with this version, or with each dataset's version in this pin set
          --json                 Print machine-readable JSON on stdout
      -h, --help                 Show this help

    Examples:
      labbook check
      labbook check behavioral_events
      labbook check behavioral_events@3f2a9c1d --json
      labbook check --pins default
      labbook check behavioral_events --against exp-2025-07"
  `),
  versions: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook versions <dataset>

    List a dataset's versions, newest first: short id, time, rows, size, parameters, and the pin sets of lineage/pins.json that pin it.

    Options:
          --json  Print machine-readable JSON on stdout
      -h, --help  Show this help

    Examples:
      labbook versions behavioral_events
      labbook versions behavioral_events --json"
  `),
  show: (help) =>
    expect(help).toMatchInlineSnapshot(`
      "Usage: labbook show <dataset>@<version|latest>

      Print a version's lineage record (an OpenLineage RunEvent). The output is JSON either way. For a version made
      of partitions, stderr also says what its ingest did: "3 of 7 partitions written, 4 reused".

      Options:
            --json  Print machine-readable JSON on stdout
        -h, --help  Show this help

      Examples:
        labbook show behavioral_events@latest
        labbook show behavioral_events@3f2a9c1d"
    `),
  pin: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook pin <set> <dataset>[@version]... | <set> --all [--strict]

    Pin dataset versions in a named pin set of lineage/pins.json (stable-sorted; commit it).
    A version is a unique prefix of at least 8 hex digits, sha256:<hex> or latest (the default).
    Warns when a version has a failing error-severity check (as its ingest, run or latest labbook check recorded
    it): labbook build refuses such a pin set. With --strict it refuses to pin it (exit 1) and changes nothing.

    Options:
          --all     Pin the latest version of every dataset that has versions
          --strict  Refuse to pin a version that has a failing error check
          --json    Print machine-readable JSON on stdout
      -h, --help    Show this help

    Examples:
      labbook pin default behavioral_events
      labbook pin exp-2025-07 behavioral_events@3f2a9c1d phase_assignments@latest
      labbook pin exp-2025-07 --all --json
      labbook pin exp-2025-07 behavioral_events --strict"
  `),
  unpin: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook unpin <set> [dataset...]

    Remove pins from lineage/pins.json: the named datasets, or the whole set when none is named.

    Options:
          --json  Print machine-readable JSON on stdout
      -h, --help  Show this help

    Examples:
      labbook unpin exp-2025-07 behavioral_events
      labbook unpin exp-2025-07"
  `),
  pins: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook pins [--rev REV]

    List the pin sets of lineage/pins.json: from the working tree, or as committed at a git revision
    (a commit, tag or branch, read through isomorphic-git). --json prints the file's object as is.

    Options:
          --rev REV  Read pins.json as it was at this revision
          --json     Print machine-readable JSON on stdout
      -h, --help     Show this help

    Examples:
      labbook pins
      labbook pins --rev v1.0 --json"
  `),
  verify: (help) =>
    expect(help).toMatchInlineSnapshot(`
      "Usage: labbook verify [dataset[@version]]

      Re-hash objects in the store and check each lineage record against its object: the sha256, the size and the
      row count in the Parquet footer. Reports every missing, corrupt or orphaned object and every unreadable lineage
      record by name and exits 1 if any. A version whose object is absent counts as missing only when the working
      tree pins it or you name it; versions that gc removed (data/gc.json), that an offload moved to a zip
      (data/offload/index.json) or that were never pulled are listed as absent, which is not an error. Temp files
      that killed labbook processes left, and the files of a commit killed before its version was recorded, are
      listed as debris, also not an error: labbook gc removes them.

      Options:
            --json  Print machine-readable JSON on stdout
        -h, --help  Show this help

      Examples:
        labbook verify
        labbook verify behavioral_events
        labbook verify behavioral_events@3f2a9c1d --json"
    `),
  diff: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook diff <dataset>@<a> <dataset>@<b> [--key COLS] [--examples N]

    Compare two versions of a dataset in DuckDB: columns added, removed or retyped; row counts; rows added,
    removed and changed, matched by the dataset's primary key, with a few example keys. Both objects must be local.

    Options:
          --key COLS    Match rows on these comma-separated columns instead (unique, never NULL)
          --examples N  Example keys of each kind (default 5)
          --json        Print machine-readable JSON on stdout
      -h, --help        Show this help

    Examples:
      labbook diff behavioral_events@3f2a9c1d behavioral_events@latest
      labbook diff phase_assignments@1a2b3c4d phase_assignments@5e6f7a8b --json"
  `),
  gc: (help) =>
    expect(help).toMatchInlineSnapshot(`
      "Usage: labbook gc [--dry-run] [--keep-last N] [--allow-shallow]

      Delete objects that nothing needs. An object is kept when lineage/pins.json pins it in the working tree, when
      any commit reachable from a branch or tag pinned it, when it is among the newest N versions of its dataset, or
      when no lineage record here describes it. Lineage records stay; removed versions are listed in data/gc.json.
      If any reachable commit's pins cannot be read (a pins.json that does not parse, a missing git object, a shallow
      clone) it refuses and removes nothing. Outside a git repository only the working tree's pins protect.
      It also removes the temp files that killed labbook processes left (staging files in data/tmp, *.<pid>.tmp,
      .dist.tmp-* beside dist/): only those whose process is gone.

      Options:
            --dry-run        Only print what would be removed
            --keep-last N    Keep the newest N versions of every dataset (default 1)
            --allow-shallow  In a shallow clone, protect only the pins in the history present instead of refusing
            --json           Print machine-readable JSON on stdout
        -h, --help           Show this help

      Examples:
        labbook gc --dry-run
        labbook gc --keep-last 3
        labbook gc --keep-last 0 --json"
    `),
  push: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook push [--pins SET | --all]

    Upload to LABBOOK_REMOTE (a directory or s3://bucket/prefix) the objects and lineage records of a pin set that
    the remote lacks, four at a time. Each object is re-hashed on the way and published only if it is intact.
    Safe to re-run after an interruption. The pin set defaults to LABBOOK_PINS or "default".

    Options:
          --pins SET  Push the versions this pin set names
          --all       Push every version whose object is in the local store
          --json      Print machine-readable JSON on stdout
      -h, --help      Show this help

    Examples:
      labbook push
      labbook push --pins exp-2025-07
      LABBOOK_REMOTE=s3://lab-data/labbook labbook push --all"
  `),
  pull: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook pull [--pins SET] [--rev REV]

    Download from LABBOOK_REMOTE the objects (and lineage records) a pin set needs that the local store lacks, four
    at a time. Every object is re-hashed before it is admitted: a corrupt remote copy is refused, named, and never
    stored (exit 1). --rev reads the pins as committed at a commit, tag or branch. Safe to re-run.

    Options:
          --pins SET  The pin set (default LABBOOK_PINS or "default")
          --rev REV   Use lineage/pins.json as it was at this git revision
          --json      Print machine-readable JSON on stdout
      -h, --help      Show this help

    Examples:
      labbook pull
      labbook pull --pins exp-2025-07
      labbook pull --pins default --rev v1.0 --json"
  `),
  status: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook status [--pins SET]

    For each dataset a pin set names: whether its object is in the local store, on LABBOOK_REMOTE, or missing;
    how old the version is; and how fresh its newest row is (the maximum of the dataset's time column).
    A pin of a dataset that no definition names, or of a version with no lineage record, is shown as invalid, with
    what to do, and the command exits 1.

    Options:
          --pins SET  The pin set (default LABBOOK_PINS or "default")
          --json      Print machine-readable JSON on stdout
      -h, --help      Show this help

    Examples:
      labbook status
      labbook status --pins exp-2025-07 --json"
  `),
  export: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook export <dataset>[@version] --format csv|ndjson|parquet|all [--pins SET] [--out DIR] [--compression C] [--partition-by COLUMN|date] [--filter COLUMN=V1,V2]

    Export one dataset version for people and tools outside labbook, with a manifest of sha256 hashes.
    The version is the one named, else the one pinned in --pins (or LABBOOK_PINS/default), else the latest.
    CSV: UTF-8 with a byte-order mark and a header, timestamps ISO 8601 UTC, JSON columns as JSON text.
    NDJSON: a schema record first, then one object per row carrying _schema_version.
    Parquet: the compression given (default zstd), optionally hive-partitioned (date=2025-10-01/…).
    Each export is a directory <dataset>-<version>[-<options hash>] under exports/<format>/, written to a temp
    directory and renamed into place; an export with the same name is replaced.

    Options:
          --format FORMAT        csv, ndjson, parquet, or all three
          --pins SET             Export the version pinned in this set
          --out DIR              Parent directory (default exports/<format>); with --format all, <DIR>/<format>
          --compression C        Parquet compression: snappy, gzip, zstd, brotli, lz4 (default zstd)
          --partition-by COLUMN  Parquet: hive-partition by a column, or by date (UTC day of the time column)
          --filter COLUMN=V1,V2  Keep rows whose column is one of the values (repeatable; values are bound, never SQL)
          --no-bom               CSV: leave out the UTF-8 byte-order mark
          --json                 Print machine-readable JSON on stdout
      -h, --help                 Show this help

    Examples:
      labbook export behavioral_events --format csv
      labbook export behavioral_events --pins study-a --format parquet --partition-by date --compression snappy
      labbook export behavioral_events@3f2a9c1e --format all --filter eventType=SESSION_STARTED,SESSION_ENDED
      labbook export context_metadata --format ndjson --out /tmp/handover"
  `),
  exports: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook exports [--dir DIR] [--verify]

    List the exports under exports/ (or DIR), newest first, from their manifests: format, dataset, source version,
    rows, files and options. With --verify, re-hash every file against its manifest and exit 1 naming any mismatch.

    Options:
          --dir DIR  Where to look (default exports/)
          --verify   Re-hash each export's files against its manifest
          --json     Print machine-readable JSON on stdout
      -h, --help     Show this help

    Examples:
      labbook exports
      labbook exports --dir /tmp/handover --verify
      labbook exports --json"
  `),
  archive: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook archive <pin-set> [--with-site] [--out FILE] | --verify <zip>

    Write one zip for an experiment: the pinned Parquet objects, their lineage records, the pin set, the quality
    results that checked those versions (if any), the built site with --with-site, a README (versions, git commit,
    how to reproduce) and manifest.json with the sha256 of every file. Unzipped, it is a labbook store.
    --with-site is refused unless dist/ was built from this pin set at these versions, as its provenance records.
    With --verify, re-hash everything inside a zip (objects against their names, other files against the
    manifest) and exit 1 naming any corrupt or missing file. Works on offload zips too.

    Options:
          --with-site  Include the built site (dist/), which must show this set: LABBOOK_PINS=<set> npm run build
          --out FILE   The zip to write (default exports/archives/<set>-<time>.zip)
          --verify     Verify the zip named as the argument instead of writing one
          --json       Print machine-readable JSON on stdout
      -h, --help       Show this help

    Examples:
      labbook archive study-a
      labbook archive study-a --with-site --out study-a.zip
      labbook archive --verify study-a.zip"
  `),
  offload: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook offload --days-old N [--delete-source] [--yes] [--out FILE] [--allow-shallow]

    Move unpinned versions made more than N days ago (by their lineage eventTime) into one offload zip with their
    lineage records, and with --delete-source remove their objects from the store. A version pinned in the working
    tree, or in a git repository in any commit reachable from a branch or tag, is never touched. Lineage records
    always stay, and data/offload/index.json notes which zip holds each offloaded version. If any reachable
    commit's pins cannot be read (a pins.json that does not parse, a missing git object, a shallow clone) it
    refuses and touches nothing.
    Without --yes nothing is written or removed: it only shows what it would do.

    Options:
          --days-old N     Only versions made more than N days ago
          --delete-source  Remove the offloaded objects from the store (needs --yes)
          --yes            Do it: write the zip (and delete with --delete-source)
          --out FILE       The zip to write (default data/offload/offload-<time>.zip)
          --allow-shallow  In a shallow clone, protect only the pins in the history present instead of refusing
          --json           Print machine-readable JSON on stdout
      -h, --help           Show this help

    Examples:
      labbook offload --days-old 90
      labbook offload --days-old 90 --yes
      labbook offload --days-old 90 --delete-source --yes --out /mnt/cold/labbook-2025q3.zip"
  `),
  iceberg: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook iceberg --warehouse DIR|s3://bucket/prefix [--pins SET]... [--catalog URL [--namespace NS]]

    Publish every dataset as an Apache Iceberg table (format v2) in a file-based catalog, for Spark, Trino,
    DuckDB or PyIceberg: <warehouse>/<dataset>/metadata/v<N>.metadata.json and version-hint.text.
    Each version is a snapshot, in the order they were made, with labbook.version, labbook.run-id and
    labbook.row-count in its summary; the latest version is current, and each pin set is a tag on its version.
    No data is copied: a directory warehouse lists the store's objects where they are, an S3 warehouse the
    objects pushed to LABBOOK_REMOTE (which must then be on S3; versions not pushed are left out).
    Re-running writes nothing unless a version or pin changed; a change adds one metadata file per table.
    The tables disable Iceberg's garbage collection: an engine must never delete labbook's objects.
    --catalog also registers each table with an Iceberg REST catalog (re-registering it when its metadata
    changed), with the bearer token in LABBOOK_ICEBERG_TOKEN if set.

    Options:
          --warehouse DIR  The catalog's root: a directory (made if absent) or s3://bucket/prefix
          --pins SET       Tag only these pin sets (repeatable; default: every set in lineage/pins.json)
          --catalog URL    Register the tables with the Iceberg REST catalog at this base URL
          --namespace NS   The REST catalog namespace of the tables (default "labbook")
          --json           Print machine-readable JSON on stdout
      -h, --help           Show this help

    Examples:
      labbook iceberg --warehouse /srv/iceberg
      labbook iceberg --warehouse warehouse --pins default --pins exp-2025-07 --json
      LABBOOK_REMOTE=s3://lab-data/labbook labbook iceberg --warehouse s3://lab-data/iceberg
      labbook iceberg --warehouse s3://lab-data/iceberg --catalog https://catalog.example.org/api/catalog"
  `),
  restore: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook restore <zip> [--json]

    Bring offloaded versions back into the store from an offload zip (or an archive). Every entry is re-hashed
    first, and a corrupt zip restores nothing. Store objects, rejects files and lineage records are then unpacked
    under the store lock, each object hashed again on the way, and never over a file already there: an object or
    record the project has stays as it is. Other entries (a site, an archive's pins.json) are not unpacked. The
    restore is noted in data/offload/index.json.

    Options:
          --json  Print machine-readable JSON on stdout
      -h, --help  Show this help

    Examples:
      labbook restore data/offload/offload-20251201T000000Z.zip
      labbook restore /mnt/cold/labbook-2025q3.zip --json"
  `),
  "sync-duckdb": (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook sync-duckdb [--pins SET] [--db PATH]

    Bring the persistent DuckDB research database to a pin set: schema research, one table per pinned dataset in
    its sort-key order, indexes on (userId, timestamp), (eventType) and (experimentPhase) where those columns
    exist, and research.versions recording what is loaded. Changed tables are loaded beside the old ones and swapped
    in one transaction, so readers see the old state or the new one, never a mix. When research.versions already
    matches the pins, nothing is written. Default database: DUCKDB_DB_PATH or data/duckdb/analytics.duckdb.

    Options:
          --pins SET  The pin set to load (default LABBOOK_PINS or default)
          --db PATH   The database file (default DUCKDB_DB_PATH)
          --json      Print machine-readable JSON on stdout
      -h, --help      Show this help

    Examples:
      labbook sync-duckdb
      labbook sync-duckdb --pins study-a --db data/duckdb/study-a.duckdb"
  `),
  sql: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook sql "<query>" [--pins SET] [--format table|csv|json]

    Run ad-hoc DuckDB SQL over a pin set: every pinned dataset is a view by its name, over its pinned Parquet
    object. Results go to stdout (--json is the same as --format json). The query must be one statement that
    reads (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE); DuckDB may open only the pinned objects, so COPY, ATTACH,
    CREATE, INSERT and reading other files are refused (exit 2). Nothing is written, to the store or elsewhere.

    Options:
          --pins SET       The pin set whose datasets are views (default LABBOOK_PINS or default)
          --format FORMAT  table (default), csv or json
          --json           Print machine-readable JSON on stdout
      -h, --help           Show this help

    Examples:
      labbook sql "SELECT eventType, count(*) AS n FROM behavioral_events GROUP BY ALL ORDER BY n DESC"
      labbook sql --pins study-a --format csv "SELECT * FROM context_metadata" > context.csv"
  `),
  analyze: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook analyze <protocol>|--all [--pins SET]

    Single-case analysis of experiment protocols on the pinned data: per-phase summaries, effect sizes (NAP, Tau,
    Tau-U, PND, SMD, LRR) with confidence intervals, a randomization test on the phase start points, the piecewise
    regression and the visual-analysis aids (level, trend, variability, immediacy, overlap, consistency). These are
    the numbers the experiment pages show. <protocol> is an id or a protocol name.

    Options:
          --all       Analyse every protocol in the pinned data
          --pins SET  Pin set to read (default LABBOOK_PINS or default)
          --json      Print machine-readable JSON on stdout
      -h, --help      Show this help

    Examples:
      labbook analyze --all
      labbook analyze "Push reminders P01"
      labbook analyze --all --pins exp_reminders --json"
  `),
  seed: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook seed [--users N] [--days D] [--events N] [--seed S] [--naming pascal|snake] [--defects] [--replace]

    Create the application tables and fill them with deterministic synthetic research data: users, ABAB protocols
    with randomized phase lengths, behavioral events whose daily score carries a known per-user intervention effect,
    and context metadata. The same options give the same rows, byte for byte.

    With no DATABASE_URL it seeds the embedded PostgreSQL, replacing earlier demo data. Against DATABASE_URL it
    refuses to replace tables that hold rows unless --replace is given.

    Options:
          --users N      Users (default 60)
          --days D       Days of activity from the fixed epoch 2025-06-02 (default 120)
          --events N     Behavioral events in total (default 200,000)
          --seed S       Random seed (default 42)
          --naming NAME  Table naming: "pascal" ("BehavioralEvent", enum types) or "snake" (behavioral_events, text enums); default pascal
          --defects      Plant known defects (duplicates, an unknown phase label, a gap, an out-of-range score, a low-volume day)
          --replace      Replace tables that already hold rows in a DATABASE_URL database
          --json         Print machine-readable JSON on stdout
      -h, --help         Show this help

    Examples:
      labbook seed
      labbook seed --events 100000 --seed 7
      labbook seed --naming snake --users 200 --days 90"
  `),
  build: (help) =>
    expect(help).toMatchInlineSnapshot(`
      "Usage: labbook build [--out DIR] [--allow-failing-checks] [--verbose]

      Build the report site (Observable Framework) from the pinned dataset versions, offline.
      LABBOOK_PINS chooses the pin set (default: default). With no pins at all it first ingests every source dataset
      (seeding the embedded PostgreSQL when it is empty) and pins them as \`default\`. Pinned objects missing from the
      local store are pulled from LABBOOK_REMOTE, or the build fails naming them; it never re-ingests.
      Only the data loaders whose pinned inputs, code or pin set changed since the last build run again.
      The build refuses (exit 1) a pin set in which a pinned version fails an error-severity quality check, naming
      dataset, version and check; --allow-failing-checks builds anyway, with a banner on every page naming them.
      It prints a one-line summary (pages, datasets, loaders run and kept, time, warnings); --verbose adds Framework's
      line per file. A data loader that fails is named, with its error.
      The pages show SOURCE_DATE_EPOCH (seconds since 1970) as the build time when it is set, so that two builds of
      one commit, with the same LABBOOK_PSEUDONYM_KEY, are byte-identical.

      Options:
            --out DIR               Output directory (default dist); replaced only if it holds a build
            --verbose               Also print Framework's line per page and file, and which loaders run
            --allow-failing-checks  Publish even though error checks fail; every page and the provenance stamp then say which
            --json                  Print machine-readable JSON on stdout
        -h, --help                  Show this help

      Examples:
        labbook build
        LABBOOK_PINS=exp-reminders labbook build --out dist-reminders
        labbook build --allow-failing-checks
        labbook build --json"
    `),
  dev: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook dev [--port N] [--no-open]

    Preview the report site with live reload (observable preview). Prepares the pinned data like \`build\` does.
    Editing a page or a loader reloads it in the browser. A loader also runs again when a file it imports changes,
    when a dataset it reads is re-pinned (lineage/pins.json) or when a lineage record it reads is rewritten. New
    pages, front matter and new pins update the sidebar and the templated pages (such as one page per protocol).

    Options:
          --port N   Port to listen on (default 3000, or the next free one)
          --no-open  Do not open a browser
      -h, --help     Show this help

    Examples:
      labbook dev
      LABBOOK_PINS=exp-reminders labbook dev --port 4000 --no-open"
  `),
  new: (help) =>
    expect(help).toMatchInlineSnapshot(`
    "Usage: labbook new page <name> [--dataset D]

    Start a report page: writes src/<name>.md and its SQL loader src/<name>.json.sql, a weekly count over the
    dataset D with a chart and a table. The build finds both by itself: the sidebar entry comes from the page's
    front matter, its footer and re-runs from the datasets the query reads. Refuses to overwrite either file.

    Options:
          --dataset D  The dataset the query aggregates (default behavioral_events)
          --json       Print machine-readable JSON on stdout
      -h, --help       Show this help

    Examples:
      labbook new page sleep --dataset behavioral_events
      labbook new page studies/context --dataset context_metadata"
  `),
};

const helpOf = async (name: string) => commandHelp((await commands[name]!.load()).default);

describe("help", () => {
  it("the main help lists every registered command", () => {
    expect(mainHelp("1.2.3")).toMatchInlineSnapshot(`
      "labbook 1.2.3: versioned research datasets and reports built from pins

      Usage: labbook <command> [options]

      Commands:
        db           Show, start or stop the embedded PostgreSQL server
        ingest       Export source datasets from PostgreSQL to versioned Parquet with lineage
        run          Bring derived datasets up to date: run the stages whose definition or inputs changed
        check        Run the datasets' quality checks and store the results as quality_results
        versions     List a dataset's versions, newest first
        show         Print a version's lineage record
        pin          Pin dataset versions in a pin set of lineage/pins.json
        unpin        Remove pins from a pin set
        pins         List pin sets, now or at a git revision
        verify       Re-hash objects and check them against their lineage records
        diff         Compare two versions of a dataset: schema and rows by key
        gc           Delete objects no pin (now or in git history) and no recent version needs
        push         Upload a pin set's objects and lineage to the remote
        pull         Download and verify a pin set's objects and lineage from the remote
        status       Where each pinned dataset is (local, remote, missing), its age and freshness
        export       Export a dataset version as CSV, NDJSON or (partitioned) Parquet with a manifest
        exports      List the exports on disk, from their manifests
        archive      Zip a pin set's objects, lineage, quality results and site for an experiment; --verify a zip
        offload      Move old unpinned versions into an offload zip, optionally removing them from the store
        iceberg      Publish each dataset as an Apache Iceberg table: versions as snapshots, pin sets as tags
        restore      Bring offloaded versions back from an offload zip or archive: verified, never overwriting
        sync-duckdb  Load a pin set into the persistent DuckDB research database, swapping tables atomically
        sql          Run ad-hoc SQL where every pinned dataset is a view
        analyze      Single-case statistics of experiment protocols on the pinned data
        seed         Fill the database with deterministic synthetic research data
        build        Build the report site from the pinned versions, offline (npm run build)
        dev          Preview the report site with live reload (npm run dev)
        new          Start a report page: a Markdown page and its SQL loader in src/

      Options:
        --help     Show help (also after a command: labbook <command> --help)
        --version  Print the version

      Configuration comes from the environment or .env: DATABASE_URL, LABBOOK_REMOTE, DUCKDB_DB_PATH, LABBOOK_PINS.
      Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted."
    `);
  });

  it("every registered command has a help snapshot, and every snapshot a command", () => {
    expect(Object.keys(snapshots).sort()).toEqual(Object.keys(commands).sort());
  });

  it.each(Object.keys(commands))("%s --help", async (name) => {
    const check = snapshots[name];
    if (!check) throw new Error(`no help snapshot for "${name}": add one to the snapshots in this file`);
    const help = await helpOf(name);
    expect(help.startsWith(`Usage: labbook ${name}`)).toBe(true);
    check(help);
  });

  it("labbook --help and labbook <command> --help print on stdout and exit 0", async () => {
    const main = await runCli(["--help"]);
    expect([main.code, main.stderr]).toEqual([0, ""]);
    expect(main.stdout).toMatch(/^Usage: labbook <command> \[options\]$/m);
    const seed = await runCli(["seed", "--help"]);
    expect([seed.code, seed.stderr]).toEqual([0, ""]);
    expect(seed.stdout).toBe(`${await helpOf("seed")}\n`);
  });
});
