import { execFile } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadConfig, projectRoot, type Config } from "../../loaders/config.ts";
import type { DuckDBConnection } from "@duckdb/node-api";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { buildRecord } from "../../loaders/lineage/record.ts";
import { commitPartitioned, commitVersion } from "../../loaders/store/commit.ts";
import { stageManifest } from "../../loaders/store/manifest.ts";
import type { StagedFile } from "../../loaders/store/objects.ts";
import { parquetRowCount, parquetSchema, stageQuery } from "../../loaders/store/parquet.ts";
import { runCli, type CliResult } from "./cli.ts";

const run = promisify(execFile);

export interface ProjectOptions {
  /** Make the root a git repository with one commit (data/ ignored), as a researcher's clone is. */
  git?: boolean;
  /** LABBOOK_REMOTE (default: none). */
  remote?: string;
  /** DATABASE_URL (default: none, so nothing connects to a database unless a test says so). */
  databaseUrl?: string;
  /**
   * A report site: `"demo"` copies the demo's src/; `"empty"` starts with its stylesheet, its page components and a
   * home page, for tests of pages a researcher adds (quicker to build). loaders/, bin/, node_modules/ and
   * package.json are linked to the repository and observablehq.config.ts copied, so builds in the project never
   * touch the working tree. Default: no site.
   */
  site?: "demo" | "empty";
}

/**
 * An isolated labbook project in a temp dir: its own data/ and lineage/, and as options ask, a git repository, a
 * database, a remote and a report site. The one project factory of the tests; `seededProject` adds a seeded test
 * database of its own.
 */
export interface TestProject {
  root: string;
  config: Config;
  /** Environment for runCli: points labbook at this project and at no remote unless given one. */
  env: Record<string, string>;
  /** Runs the real `labbook` bin in the project, with `extra` over its environment. */
  cli(args: string[], extra?: Record<string, string | undefined>): Promise<CliResult>;
  /** Runs git in the project root, with a fixed identity. */
  git(...args: string[]): Promise<string>;
  /** Commits lineage/ (records and pins.json) with a message. */
  commitLineage(message: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createProject(options: ProjectOptions = {}): Promise<TestProject> {
  const root = await mkdtemp(path.join(tmpdir(), options.site ? "labbook-site-" : "labbook-project-"));
  // Open, like a checkout: mkdtemp makes it private, and as root the embedded cluster would then live outside it.
  await chmod(root, 0o755);
  await mkdir(path.join(root, "lineage"), { recursive: true });
  if (options.site) await addSite(root, options.site);
  const env: Record<string, string> = {
    LABBOOK_ROOT: root,
    LABBOOK_DATA_DIR: path.join(root, "data"),
    LABBOOK_LINEAGE_DIR: path.join(root, "lineage"),
    LABBOOK_REMOTE: options.remote ?? "",
    LABBOOK_PINS: "default",
    LABBOOK_PSEUDONYM_KEY: "",
    DATABASE_URL: options.databaseUrl ?? "",
  };
  const git = async (...args: string[]) =>
    (
      await run(
        "git",
        ["-c", "user.name=labbook test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", ...args],
        { cwd: root },
      )
    ).stdout.trim();
  if (options.git) {
    await git("init", "-q", "-b", "main");
    await writeFile(path.join(root, ".gitignore"), "data/\n");
    await git("add", ".gitignore");
    await git("commit", "-q", "-m", "init");
  }
  return {
    root,
    config: loadConfig(env, root),
    env,
    cli: (args, extra = {}) => runCli(args, { ...env, ...extra }, root),
    git,
    async commitLineage(message) {
      await git("add", "lineage");
      await git("commit", "-q", "--allow-empty", "-m", message);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

async function addSite(root: string, site: "demo" | "empty"): Promise<void> {
  for (const entry of ["loaders", "bin", "node_modules", "package.json"])
    await symlink(path.join(projectRoot, entry), path.join(root, entry));
  await cp(path.join(projectRoot, "observablehq.config.ts"), path.join(root, "observablehq.config.ts"));
  if (site === "empty") {
    await mkdir(path.join(root, "src"), { recursive: true });
    await cp(path.join(projectRoot, "src", "style.css"), path.join(root, "src", "style.css"));
    await cp(path.join(projectRoot, "src", "components"), path.join(root, "src", "components"), { recursive: true });
    await writeFile(path.join(root, "src", "index.md"), "# Reports\n\nThe pages in the sidebar.\n");
  } else {
    await cp(path.join(projectRoot, "src"), path.join(root, "src"), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}.observablehq`),
    });
  }
}

/** The lineage record of a test version made from a DuckDB SELECT, with no inputs and no git state. */
export async function testRecord(
  con: DuckDBConnection,
  dataset: string,
  staged: StagedFile,
  select: string,
  at: number,
  runFacets: Record<string, object> = {},
) {
  return buildRecord({
    job: `test.${dataset}`,
    dataset,
    version: staged.version,
    rowCount: await parquetRowCount(con, staged.path),
    size: staged.size,
    fields: await parquetSchema(con, staged.path),
    inputs: [],
    dataSource: { name: "test", uri: "test://" },
    sql: select,
    parameters: {},
    git: { commit: null, branch: null, dirty: null },
    sourcePath: "test/util/project.ts",
    startedAt: at,
    endedAt: at,
    runFacets,
  });
}

/**
 * Publishes a version made from a DuckDB SELECT, through the same staging, record and commit code as an ingest.
 * `at` is its creation time (ms), which orders versions.
 */
export async function makeVersion(config: Config, dataset: string, select: string, at: number): Promise<string> {
  return withDuckDB(async (con) => {
    const staged = await stageQuery(con, config.dataDir, select);
    const record = await testRecord(con, dataset, staged, select, at);
    await commitVersion(config, dataset, staged, record);
    return staged.version;
  });
}

/**
 * Publishes a partitioned version: one object per key (each made from a DuckDB SELECT), a manifest naming them, and
 * a lineage record, through the same staging and commit code as a partitioned ingest.
 */
export async function makePartitionedVersion(
  config: Config,
  dataset: string,
  parts: Record<string, string>,
  at: number,
  /** A partition whose manifest entry claims one row more than its object holds, as a writer's bug would. */
  miscounted?: string,
): Promise<{ version: string; objects: Record<string, string> }> {
  return withDuckDB(async (con) => {
    const written = [];
    const partitions = [];
    let fields: { name: string; type: string }[] = [];
    for (const [key, select] of Object.entries(parts)) {
      const staged = await stageQuery(con, config.dataDir, select);
      written.push(staged);
      fields = await parquetSchema(con, staged.path);
      partitions.push({
        key,
        object: staged.version,
        rows: (await parquetRowCount(con, staged.path)) + (key === miscounted ? 1 : 0),
        bytes: staged.size,
      });
    }
    const manifest = await stageManifest(config.dataDir, {
      partitioning: { column: "at", grain: "day" },
      schema: fields,
      partitions,
    });
    const record = buildRecord({
      job: `test.${dataset}`,
      dataset,
      version: manifest.version,
      rowCount: partitions.reduce((n, p) => n + p.rows, 0),
      size: partitions.reduce((n, p) => n + p.bytes, 0),
      fields,
      inputs: [],
      dataSource: { name: "test", uri: "test://" },
      sql: "partitions",
      parameters: {},
      git: { commit: null, branch: null, dirty: null },
      sourcePath: "test/util/project.ts",
      startedAt: at,
      endedAt: at,
    });
    await commitPartitioned(config, dataset, written, manifest, record);
    return { version: manifest.version, objects: Object.fromEntries(partitions.map((p) => [p.key, p.object])) };
  });
}

/** A day of rows for makePartitionedVersion: ids `from`…`from + n - 1` at that day's noon. */
export const dayRows = (day: string, n: number, from = 0) =>
  `SELECT i AS id, TIMESTAMPTZ '${day} 12:00:00+00' AS at, 'v' || i AS label FROM range(${from}, ${from + n}) t(i) ORDER BY id`;

/**
 * A small experiment_protocols table with every column of the dataset: ids p000…, with `n` rows and a start date
 * per row. Its checks (those the schema implies among them) run on it as on an ingested version.
 */
export const protocolsSql = (n: number) =>
  `SELECT printf('p%03d', i) AS id, 'u' || (i % 3) AS userId, 'protocol ' || i AS protocolName,
     'hypothesis ' || i AS hypothesis, TIMESTAMPTZ '2025-06-01 00:00:00+00' + to_days(i::INTEGER) AS startDate,
     NULL::TIMESTAMPTZ AS endDate, 'ABAB' AS designType, 'sessionPerformanceScore' AS primaryOutcome,
     NULL::INTEGER AS sampleSizeTarget, NULL::JSON AS analysisPlan
   FROM range(${n}) t(i) ORDER BY id`;

/** Flips every bit of one byte in the middle of a file. */
export async function flipByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length / 2);
  const handle = await open(file, "r+");
  await handle.write(Buffer.from([bytes[at]! ^ 0xff]), 0, 1, at);
  await handle.close();
}

/** A shallow (`--depth 1`) git clone of a project, in a temp dir, with a copy of its store (objects are not in git). */
export interface ShallowClone {
  root: string;
  env: Record<string, string>;
  config: Config;
  remove(): Promise<void>;
}

export async function shallowClone(project: {
  root: string;
  env: Record<string, string>;
  config: Config;
  git(...args: string[]): Promise<string>;
}): Promise<ShallowClone> {
  const root = await mkdtemp(path.join(tmpdir(), "labbook-shallow-"));
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    await project.git("clone", "-q", "--depth", "1", `file://${project.root}`, root);
    await cp(project.config.dataDir, path.join(root, "data"), { recursive: true });
  } catch (error) {
    await remove();
    throw error;
  }
  const env = {
    ...project.env,
    LABBOOK_ROOT: root,
    LABBOOK_DATA_DIR: path.join(root, "data"),
    LABBOOK_LINEAGE_DIR: path.join(root, "lineage"),
  };
  return { root, env, config: loadConfig(env, root), remove };
}
