import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { parquet, queryRows, withDuckDB } from "../loaders/duckdb.ts";
import { readPins, writePins } from "../loaders/lineage/pins.ts";
import { discoverLoaders } from "../loaders/site/discover.ts";
import { objectPath } from "../loaders/store/objects.ts";
import { createProject, type TestProject } from "../test/util/project.ts";
import { mark, median, whole } from "./util.ts";

/**
 * `npm run bench -- build [--events N] [--runs R] [--keep]`
 *
 * The report build from pins, in a throwaway copy of the project (its own src/, data/, lineage/ and dist/):
 *  1. a first `labbook build` seeds the embedded database with the demo data, ingests and pins (not timed);
 *  2. cold builds: Framework's loader cache and dist/ removed, and DATABASE_URL pointing at a closed port, so the
 *     build can only use the pinned objects;
 *  3. a pin change: experiment_protocols re-ingested with fewer rows and re-pinned; the rebuild must re-run only the
 *     loaders that read it.
 */
const TARGET_SECONDS = 60;
const NO_DATABASE = "postgres://nobody:none@127.0.0.1:9/none";

interface Built {
  seconds: number;
  rerun: string[];
  kept: string[];
  pages: string[];
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { events: { type: "string" }, runs: { type: "string" }, keep: { type: "boolean" } },
  });
  const events = whole(values.events, 200_000, "events");
  const runs = whole(values.runs, 1, "runs");
  const project = await createProject({ site: "demo" });
  const { root, env } = project;
  try {
    process.stderr.write(`bench: seeding ${events.toLocaleString("en")} events, ingesting and pinning (not timed)\n`);
    await cli(project, ["seed", "--events", String(events)]);
    await build(project);

    const colds: Built[] = [];
    for (let i = 0; i < runs; i++) {
      await rm(path.join(root, "src", ".observablehq", "cache"), { recursive: true, force: true });
      colds.push(await build(project, { DATABASE_URL: NO_DATABASE }));
      process.stderr.write(`  cold build ${colds.at(-1)!.seconds.toFixed(1)} s\n`);
    }
    const warm = await build(project, { DATABASE_URL: NO_DATABASE });

    // A new version of experiment_protocols (all but the first protocol), pinned in place of the old one.
    const lineageDir = env.LABBOOK_LINEAGE_DIR!;
    const pins = await readPins(lineageDir);
    const since = await afterFirstStart(objectPath(env.LABBOOK_DATA_DIR!, pins.default!.experiment_protocols!));
    const ingested = JSON.parse(await cli(project, ["ingest", "experiment_protocols", "--since", since, "--json"])) as {
      version: string;
    }[];
    await writePins(lineageDir, {
      ...pins,
      default: { ...pins.default, experiment_protocols: ingested[0]!.version },
    });
    const repinned = await build(project, { DATABASE_URL: NO_DATABASE });
    const expected = (await discoverLoaders(path.join(project.root, "src")))
      .filter((l) => l.volatile || l.reads === "all" || l.reads.includes("experiment_protocols"))
      .map((l) => l.name);
    const onlyThose = JSON.stringify(repinned.rerun) === JSON.stringify(expected);

    const cold = median(colds.map((b) => b.seconds));
    const lines = [
      `build: demo site, ${events.toLocaleString("en")} events, ${colds[0]!.pages.length} pages, no database`,
      `  cold build (no loader cache)     ${cold.toFixed(1)} s   ratio to target ${(cold / TARGET_SECONDS).toFixed(2)}` +
        `  target ≤ ${TARGET_SECONDS} s  ${mark(cold <= TARGET_SECONDS)}`,
      `  warm build (nothing changed)     ${warm.seconds.toFixed(1)} s   loaders run: ${warm.rerun.join(", ") || "none"}`,
      `  after re-pinning experiment_protocols  ${repinned.seconds.toFixed(1)} s   ratio to cold ` +
        `${(repinned.seconds / cold).toFixed(2)}`,
      `    loaders run:  ${repinned.rerun.join(", ")}  ${mark(onlyThose)} (expected: ${expected.join(", ")})`,
      `    loaders kept: ${repinned.kept.join(", ")}`,
    ];
    if (runs > 1) lines.push(`  cold builds ${colds.map((b) => b.seconds.toFixed(1)).join(", ")} s`);
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    if (values.keep) process.stderr.write(`bench: kept ${root}\n`);
    else await project.remove();
  }
}

/** Just after the earliest protocol start in a pinned experiment_protocols object. */
async function afterFirstStart(file: string): Promise<string> {
  const [row] = await withDuckDB((con) =>
    queryRows<{ first: string }>(
      con,
      `SELECT epoch_ms(min("startDate") + INTERVAL 1 MILLISECOND) AS first FROM ${parquet(file)}`,
    ),
  );
  return new Date(Number(row!.first)).toISOString();
}

async function build(project: TestProject, env: Record<string, string> = {}): Promise<Built> {
  const started = performance.now();
  const out = JSON.parse(await cli(project, ["build", "--json"], env)) as Omit<Built, "seconds">;
  return { ...out, seconds: (performance.now() - started) / 1000 };
}

/** Runs the labbook bin in the throwaway project; its stdout, or an error with its stderr. */
async function cli(project: TestProject, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { code, stdout, stderr } = await project.cli(args, env);
  if (code !== 0) throw new Error(`labbook ${args.join(" ")} exited ${code}:\n${stderr}`);
  return stdout;
}
