import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteIdent } from "../../loaders/sql-quote.ts";
import { exportDataset, type ExportRequest } from "../../loaders/deliver/export.ts";
import { fromCsv } from "../../loaders/deliver/from-csv.ts";
import { fromNdjson } from "../../loaders/deliver/from-ndjson.ts";
import { fromParquet } from "../../loaders/deliver/from-parquet.ts";
import { checkExport, listExports, type ExportManifest } from "../../loaders/deliver/manifest.ts";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { readPins } from "../../loaders/lineage/pins.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { hashFile } from "../../loaders/store/objects.ts";
import { seededProject, pinsOf, type SeededProject } from "../util/seeded.ts";

const readers = { csv: fromCsv, ndjson: fromNdjson, parquet: fromParquet };

/** Rows of a relation with JSON columns normalised (NDJSON embeds JSON values, so whitespace may differ). */
function normalised(relation: string, manifest: ExportManifest): string {
  const cols = manifest.columns.map((c) =>
    c.type === "JSON" ? `json(${quoteIdent(c.name)})::VARCHAR AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
  );
  return `SELECT ${cols.join(", ")} FROM ${relation}`;
}

/** Rows in one relation and not the other, counting duplicates, in both directions. */
async function difference(a: string, b: string): Promise<number> {
  return withDuckDB(async (con) => {
    const [row] = await queryRows<{ n: number }>(
      con,
      `SELECT (SELECT count(*) FROM (${a} EXCEPT ALL ${b})) + (SELECT count(*) FROM (${b} EXCEPT ALL ${a})) AS n`,
    );
    return Number(row!.n);
  });
}

describe("exportDataset", () => {
  let project: SeededProject;
  let events: { version: string; rowCount: number };
  const exportOne = (request: Partial<ExportRequest>) =>
    exportDataset(project.config, { ref: "behavioral_events", formats: ["csv"], ...request }, { clock: () => 0 });
  const exportFirst = async (request: Partial<ExportRequest>) => (await exportOne(request))[0]!;

  beforeAll(async () => {
    project = await seededProject();
    const results = await project.ingest();
    await project.pin(pinsOf("default", results));
    events = results.find((r) => r.dataset === "behavioral_events")!;
  });
  afterAll(async () => {
    await project?.remove();
  });

  /** A version's rows as one table: its one object, or its partitions' objects (behavioral_events). */
  const rowsOf = async (version: string) => parquet((await readableFiles(project.config.dataDir, version))!);

  const cases: [string, Partial<ExportRequest>][] = [
    ["csv", { formats: ["csv"] }],
    ["ndjson", { formats: ["ndjson"] }],
    ["parquet", { formats: ["parquet"] }],
    ["parquet partitioned by date", { formats: ["parquet"], partitionBy: "date", compression: "snappy" }],
    ["parquet partitioned by a nullable column", { formats: ["parquet"], partitionBy: "experimentPhase" }],
  ];
  for (const [name, request] of cases) {
    it(`round-trips ${name}: reading the export back gives the version's rows`, async () => {
      const [result] = await exportOne(request);
      const { manifest, dir } = result!;
      expect(manifest).toMatchObject({ dataset: "behavioral_events", version: events.version, pinSet: "default" });
      expect(manifest.rowCount).toBe(events.rowCount);
      const source = await rowsOf(events.version);
      const back = readers[manifest.format](dir, manifest);
      expect(await difference(normalised(source, manifest), normalised(back, manifest))).toBe(0);
      await withDuckDB(async (con) => {
        const [row] = await queryRows<{ n: number }>(con, `SELECT count(*) AS n FROM ${back}`);
        expect(row!.n).toBe(events.rowCount);
      });
    });
  }

  it("round-trips every source dataset through CSV and NDJSON, Unicode and doubles included", async () => {
    const pinned = Object.entries(
      (await import("../../loaders/lineage/pins.ts").then((m) => m.readPins(project.config.lineageDir))).default!,
    );
    for (const [dataset, version] of pinned) {
      for (const format of ["csv", "ndjson"] as const) {
        const { dir, manifest } = await exportFirst({ ref: dataset, formats: [format] });
        const source = await rowsOf(version);
        expect(
          await difference(normalised(source, manifest), normalised(readers[format](dir, manifest), manifest)),
        ).toBe(0);
      }
    }
    const { dir } = await exportFirst({ ref: "context_metadata", formats: ["csv"] });
    expect(await readFile(path.join(dir, "context_metadata.csv"), "utf8")).toMatch(/😴|Café près de la gare|—/);
  });

  it("writes hive partitions named date=YYYY-MM-DD from the UTC day of the time column", async () => {
    const { dir, manifest } = await exportFirst({ formats: ["parquet"], partitionBy: "date" });
    const days = (await readdir(dir)).filter((d) => d.startsWith("date=")).sort();
    expect(days[0]).toBe("date=2025-06-02");
    expect(days.length).toBeGreaterThan(10);
    expect(manifest.options.partitionBy).toEqual({ column: "date", derivedFrom: "timestamp" });
    await withDuckDB(async (con) => {
      const [bad] = await queryRows<{ n: number }>(
        con,
        `SELECT count(*) AS n FROM ${fromParquet(dir, manifest)} WHERE "date" <> CAST(timezone('UTC', "timestamp") AS DATE)`,
      );
      expect(bad!.n).toBe(0);
    });
  });

  it("lists every file in the manifest with its sha256 and the source version", async () => {
    for (const request of cases.map(([, r]) => r)) {
      const { dir, manifest } = await exportFirst(request);
      const onDisk = (await readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && e.name !== "manifest.json")
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
        .sort();
      expect(manifest.files.map((f) => f.path).sort()).toEqual(onDisk);
      for (const f of manifest.files) {
        const { version, size } = await hashFile(path.join(dir, f.path));
        expect({ path: f.path, sha256: version, size }).toEqual({ path: f.path, sha256: f.sha256, size: f.size });
      }
      expect(await checkExport(dir, manifest)).toEqual([]);
    }
  });

  it("writes CSV as UTF-8 with a BOM, a header, ISO 8601 UTC timestamps and JSON as text", async () => {
    const { dir } = await exportFirst({ formats: ["csv"] });
    const text = await readFile(path.join(dir, "behavioral_events.csv"), "utf8");
    expect(text.startsWith("\ufeffid,userId,eventType,eventData,timestamp,")).toBe(true);
    const firstRow = text.split("\n")[1]!;
    expect(firstRow).toMatch(/,2025-06-02T\d\d:\d\d:\d\d\.\d{3}Z,/);
    expect(firstRow).toMatch(/,"\{""[a-zA-Z]+"": /);
    const plain = await exportFirst({ formats: ["csv"], bom: false });
    expect((await readFile(path.join(plain.dir, "behavioral_events.csv"), "utf8")).startsWith("id,")).toBe(true);
  });

  it("writes NDJSON with a schema record first and _schema_version on every row", async () => {
    const { dir, manifest } = await exportFirst({ formats: ["ndjson"] });
    const lines = (await readFile(path.join(dir, "behavioral_events.ndjson"), "utf8")).trimEnd().split("\n");
    const schema = JSON.parse(lines[0]!);
    expect(schema).toMatchObject({ _type: "schema", dataset: "behavioral_events", version: events.version });
    expect(schema._version).toBe(manifest.schemaVersion);
    expect(schema.columns).toEqual(manifest.columns);
    expect(lines.length - 1).toBe(events.rowCount);
    const row = JSON.parse(lines[1]!);
    expect(Object.keys(row)[0]).toBe("_schema_version");
    expect(row._schema_version).toBe(schema._version);
    expect(row.timestamp).toMatch(/^2025-06-02T\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof row.eventData).toBe("object");
    expect(lines.slice(1).every((l) => JSON.parse(l)._schema_version === schema._version)).toBe(true);
  });

  it("keeps only the filtered rows, with values bound and checked against the schema", async () => {
    const [result] = await exportOne({
      formats: ["parquet"],
      filters: [
        { column: "eventType", values: ["SESSION_STARTED", "SESSION_ENDED"] },
        { column: "dayOfWeek", values: ["1"] },
      ],
    });
    const source = await rowsOf(events.version);
    const expected = `SELECT * FROM ${source} WHERE "eventType" IN ('SESSION_STARTED', 'SESSION_ENDED') AND "dayOfWeek" = 1`;
    expect(await difference(expected, `SELECT * FROM ${fromParquet(result!.dir, result!.manifest)}`)).toBe(0);
    expect(result!.manifest.rowCount).toBeGreaterThan(0);
    expect(result!.manifest.rowCount).toBeLessThan(events.rowCount);
    // A value that would break out of a SQL string is just a value: no rows, no error.
    const [quoted] = await exportOne({ formats: ["csv"], filters: [{ column: "userId", values: ["x' OR '1'='1"] }] });
    expect(quoted!.manifest.rowCount).toBe(0);
  });

  it("exports every format with --format all, each with its own manifest", async () => {
    const out = path.join(project.root, "handover");
    const results = await exportOne({ formats: ["csv", "ndjson", "parquet"], out });
    expect(results.map((r) => path.relative(out, r.dir))).toEqual(
      ["csv", "ndjson", "parquet"].map((f) => path.join(f, `behavioral_events-${events.version.slice(7, 19)}`)),
    );
    const listed = await listExports(out);
    expect(listed.map((l) => l.manifest.format).sort()).toEqual(["csv", "ndjson", "parquet"]);
  });

  it("creates a missing output directory and leaves no temp directory behind", async () => {
    const out = path.join(project.root, "new", "nested");
    const [result] = await exportOne({ formats: ["ndjson"], out });
    expect(existsSync(path.join(result!.dir, "manifest.json"))).toBe(true);
    expect((await readdir(out)).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("makes the export directory readable as the umask allows, like mkdir", async () => {
    const previous = process.umask(0o027);
    try {
      const { dir } = await exportFirst({ formats: ["csv"], out: path.join(project.root, "shared-027") });
      expect((await stat(dir)).mode & 0o777).toBe(0o750);
      process.umask(0o022);
      const open = await exportFirst({ formats: ["ndjson"], out: path.join(project.root, "shared-022") });
      expect((await stat(open.dir)).mode & 0o777).toBe(0o755);
    } finally {
      process.umask(previous);
    }
  });

  const usage = async (request: Partial<ExportRequest>) => {
    const error = await exportOne(request).catch((e) => e);
    expect(isLabbookError(error, "E_USAGE")).toBe(true);
    expect(error.exitCode).toBe(2);
    return error as { message: string; details: string[] };
  };

  it("refuses an unknown filter column, naming the valid ones", async () => {
    const error = await usage({ filters: [{ column: "eventTyp", values: ["x"] }] });
    expect(error.message).toBe('unknown column "eventTyp" in --filter for behavioral_events');
    expect(error.details[0]).toMatch(/^Valid columns: id, userId, eventType, eventData, timestamp, /);
  });

  it("refuses filter values of the wrong type or outside an enum", async () => {
    expect((await usage({ filters: [{ column: "dayOfWeek", values: ["monday"] }] })).message).toBe(
      '--filter dayOfWeek: "monday" is not a whole number',
    );
    const error = await usage({ filters: [{ column: "eventType", values: ["NOPE"] }] });
    expect(error.message).toBe('--filter eventType: "NOPE" is not an accepted value');
    expect(error.details[0]).toMatch(/^Accepted: .*SESSION_STARTED/);
  });

  it("refuses an unknown partition column, naming the valid ones", async () => {
    const error = await usage({ formats: ["parquet"], partitionBy: "week" });
    expect(error.message).toBe('unknown column "week" in --partition-by for behavioral_events');
    expect(error.details[0]).toMatch(/^Valid: date, id, userId, eventType, /);
    expect(error.details[0]).not.toContain("eventData");
  });

  it("refuses a --pins set that does not pin the dataset, as every reader of pinned data does", async () => {
    const pins = await readPins(project.config.lineageDir);
    await project.pin({ ...pins, study: { behavioral_events: events.version } });
    const error = await exportOne({ ref: "context_metadata", pins: "study" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "E_NOT_FOUND",
      message: 'labbook export reads context_metadata, which pin set "study" does not pin',
      details: [
        'Pinned in "study": behavioral_events.',
        'Pin it with "labbook pin study context_metadata", or name a version: context_metadata@<version>.',
      ],
    });
  });

  it("refuses a partition per row", async () => {
    expect((await usage({ formats: ["parquet"], partitionBy: "id" })).message).toMatch(
      /^--partition-by id would write 1500 partitions/,
    );
  });

  // Root may write anywhere, so this case only runs as an ordinary user.
  it.skipIf(process.getuid?.() === 0)("fails with permission denied for a read-only directory", async () => {
    const fs = await import("node:fs/promises");
    const locked = path.join(project.root, "locked");
    await fs.mkdir(locked, { mode: 0o500 });
    const error = await exportOne({ out: locked }).catch((e) => e);
    expect(isLabbookError(error, "E_IO")).toBe(true);
    expect(error.message).toBe(`cannot write to ${locked}: permission denied`);
    expect(await fs.readdir(locked)).toEqual([]);
  });

  it("fails clearly when the output directory cannot be written, and writes nothing", async () => {
    const blocker = path.join(project.root, "a-file");
    await import("node:fs/promises").then((fs) => fs.writeFile(blocker, "not a directory"));
    const error = await exportOne({ out: path.join(blocker, "exports") }).catch((e) => e);
    expect(isLabbookError(error, "E_IO")).toBe(true);
    expect(error.message).toBe(
      `cannot write to ${path.join(blocker, "exports")}: a path component is a file, not a directory`,
    );
  });
});
