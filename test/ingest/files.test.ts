import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { projectRoot, type Config } from "../../loaders/config.ts";
import { getDataset } from "../../loaders/datasets/index.ts";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { isLabbookError, type LabbookError } from "../../loaders/errors.ts";
import { ingestFiles } from "../../loaders/ingest/files.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { hashFile, objectPath } from "../../loaders/store/objects.ts";
import { createProject, type TestProject } from "../util/project.ts";

const LOGS = path.join(projectRoot, "test/fixtures/logs");
const def = getDataset("operation_events");

async function failure(p: Promise<unknown>): Promise<LabbookError> {
  try {
    await p;
  } catch (e) {
    if (isLabbookError(e)) return e;
    throw e;
  }
  throw new Error("expected a LabbookError");
}

describe("ingest from NDJSON and CSV files", () => {
  let project: TestProject;
  let config: Config;
  beforeEach(async () => {
    project = await createProject();
    // File names in lineage are relative to the project root: use the repository's, where the fixtures live.
    config = { ...project.config, root: projectRoot };
  });
  afterEach(async () => {
    await project.remove();
  });

  it("versions the log files with each file and its sha256 as the lineage inputs", async () => {
    const result = await ingestFiles(def, path.join(LOGS, "operations/*"), config);
    expect(result).toMatchObject({ rowCount: 12, stored: true });
    const [entry] = await listVersions(config.lineageDir, "operation_events");
    expect(entry!.version).toBe(result.version);
    const inputs = entry!.record.inputs as {
      namespace: string;
      name: string;
      facets: { version: { datasetVersion: string } };
    }[];
    const files = ["2025-06-02.ndjson", "2025-06-03.ndjson", "2025-06-04.csv"];
    expect(inputs.map((i) => [i.namespace, i.name])).toEqual(
      files.map((f) => ["file", `test/fixtures/logs/operations/${f}`]),
    );
    for (const [i, f] of files.entries()) {
      expect(inputs[i]!.facets.version.datasetVersion).toBe((await hashFile(path.join(LOGS, "operations", f))).version);
    }
    const rows = await withDuckDB((con) =>
      queryRows<{ id: string; durationMs: number | null; message: string | null; userId: string | null }>(
        con,
        `SELECT id, "durationMs", message, "userId" FROM ${parquet(objectPath(config.dataDir, result.version))}`,
      ),
    );
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => `op_${String(i + 1).padStart(4, "0")}`));
    // A quoted CSV field keeps its comma and its line break; Unicode survives; empty and absent values are null.
    expect(rows[9]!.message).toBe("batch of 40, deduplicated");
    expect(rows[11]).toMatchObject({ message: "timed out after 60 s\npartial file removed", userId: null });
    expect(rows[4]!.message).toBe("Cardiologie — séance 3 exported");
    expect(rows[7]!.durationMs).toBeNull();
  });

  it("reads the dataset's default glob and gives the same version for the same files", async () => {
    const first = await ingestFiles(
      def,
      path.join(projectRoot, (def.source as { defaultGlob: string }).defaultGlob),
      config,
    );
    const again = await ingestFiles(def, path.join(LOGS, "operations/*.*"), config);
    expect(again).toMatchObject({ version: first.version, stored: false });
    expect(await listVersions(config.lineageDir, "operation_events")).toHaveLength(1);
  });

  it("reports every malformed line as file:line with the reason and writes nothing", async () => {
    const error = await failure(ingestFiles(def, path.join(LOGS, "malformed/*"), config));
    expect(error.code).toBe("E_VALIDATION");
    expect(error.message).toBe("validation failed for operation_events: 8 of 13 lines are malformed or invalid");
    const bad = "test/fixtures/logs/malformed/ops-bad";
    expect(error.details).toEqual([
      `${bad}.csv:3: expected 8 fields, found 9`,
      `${bad}.csv:6: durationMs: >= 0`,
      expect.stringMatching(new RegExp(`^${bad}\\.ndjson:3: invalid JSON: `)),
      `${bad}.ndjson:4: unknown field "retries"`,
      `${bad}.ndjson:5: not a JSON object`,
      "… and 3 more",
      "No version was written. Use --non-strict to version the valid lines and keep the rest in a rejects file.",
    ]);
    expect(await listVersions(config.lineageDir, "operation_events")).toEqual([]);
    expect(existsSync(path.join(config.dataDir, "objects"))).toBe(false);
    expect((await readdir(path.join(config.dataDir, "tmp"))).filter((f) => f !== "duckdb")).toEqual([]);
  });

  it("keeps malformed lines, as read, in the rejects file with --non-strict", async () => {
    const result = await ingestFiles(def, path.join(LOGS, "malformed/*"), config, { validation: "non-strict" });
    expect(result.rowCount).toBe(5);
    expect(result.validation).toMatchObject({ rowsRead: 13, rowsValid: 5, rowsRejected: 8 });
    const rejects = await withDuckDB((con) =>
      queryRows<{ _file: string; _line: number; _raw: string | null; _reject_reason: string }>(
        con,
        `SELECT _file, _line, _raw, _reject_reason FROM ${parquet(result.rejectsPath!)}`,
      ),
    );
    const where = rejects.map((r) => `${path.basename(r._file)}:${r._line}`);
    expect(where).toEqual(
      [3, 6].map((l) => `ops-bad.csv:${l}`).concat([3, 4, 5, 6, 7, 8].map((l) => `ops-bad.ndjson:${l}`)),
    );
    expect(rejects.map((r) => r._reject_reason).slice(5)).toEqual([
      "status: one of ok, error",
      'durationMs: cannot read "1.5" as INTEGER',
      'timestamp: cannot read "not a time" as TIMESTAMPTZ',
    ]);
    // A line that could not be parsed is kept verbatim.
    expect(rejects[2]!._raw).toMatch(/^\{"id":"bad_0003",.*"status":"ok",$/);
  });

  it("fails naming file:1 when a CSV header has unknown columns, and when nothing matches", async () => {
    const dir = path.join(project.root, "logs");
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(dir);
    await writeFile(path.join(dir, "x.csv"), "id,timestamp,colour\nop_1,2025-06-02T00:00:00Z,red\n");
    const error = await failure(ingestFiles(def, path.join(dir, "*.csv"), config));
    expect(error.message).toBe(
      `cannot read ${path.join(dir, "x.csv")}:1: the header names unknown column "colour"; known: id, timestamp, service, operation, userId, status, durationMs, message`,
    );
    const none = await failure(ingestFiles(def, path.join(dir, "*.ndjson'; SELECT 1; --"), config));
    expect(none.code).toBe("E_NOT_FOUND");
  });
});
