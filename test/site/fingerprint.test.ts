import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../loaders/config.ts";
import { recordPath, writeRecord } from "../../loaders/lineage/catalog.ts";
import { buildRecord } from "../../loaders/lineage/record.ts";
import { loaderFingerprint } from "../../loaders/site/fingerprint.ts";
import { discoverLoaders, type SiteLoader } from "../../loaders/site/discover.ts";
import { recordDigests } from "../../loaders/site/records.ts";
import { sourceClosure } from "../../loaders/site/sources.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";

const V = (c: string) => `sha256:${c.repeat(64)}`;

describe("loader fingerprints", () => {
  let root: string;
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  };
  const events: SiteLoader = { name: "e", file: "data/events.json.ts", kind: "ts", reads: ["behavioral_events"] };
  const all: SiteLoader = { name: "c", file: "data/events.json.ts", kind: "ts", reads: "all" };
  const pins = { behavioral_events: V("a"), context_metadata: V("b") };
  const inputs = () => ({ root, lineageDir: path.join(root, "lineage"), pinSet: "default", pins, keyId: "k1" });

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "labbook-fingerprint-"));
    await write("src/data/events.json.ts", 'import { run } from "../../loaders/site/a.ts";\nawait run();\n');
    await write(
      "loaders/site/a.ts",
      'import type { T } from "./types.ts";\nimport {\n  b,\n} from "./b.ts";\nexport const run = async () => b(await import("./c.ts"));\n',
    );
    await write("loaders/site/b.ts", 'export { x } from "../shared.ts";\nexport const b = (x: unknown) => x;\n');
    await write("loaders/site/c.ts", "export const c = 1;\n");
    await write("loaders/site/types.ts", "export type T = number;\n");
    await write("loaders/shared.ts", 'import fs from "node:fs";\nexport const x = fs;\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("follows relative imports, re-exports and dynamic imports, not packages or type-only imports", async () => {
    const files = (await sourceClosure(path.join(root, "src/data/events.json.ts"))).map((f) => path.relative(root, f));
    expect(files).toEqual([
      "loaders/shared.ts",
      "loaders/site/a.ts",
      "loaders/site/b.ts",
      "loaders/site/c.ts",
      "src/data/events.json.ts",
    ]);
  });

  it("changes with the code it runs, the versions it reads, the pin set and the key; not with other pins", async () => {
    const base = await loaderFingerprint(events, inputs());
    expect(await loaderFingerprint(events, inputs())).toBe(base);
    expect(await loaderFingerprint(events, { ...inputs(), pins: { ...pins, context_metadata: V("c") } })).toBe(base);
    expect(await loaderFingerprint(events, { ...inputs(), pins: { ...pins, behavioral_events: V("c") } })).not.toBe(
      base,
    );
    expect(await loaderFingerprint(events, { ...inputs(), pinSet: "exp" })).not.toBe(base);
    expect(await loaderFingerprint(events, { ...inputs(), keyId: "k2" })).not.toBe(base);
    // A loader reading "all" pins changes with any of them.
    const allBase = await loaderFingerprint(all, inputs());
    expect(await loaderFingerprint(all, { ...inputs(), pins: { ...pins, context_metadata: V("c") } })).not.toBe(
      allBase,
    );
    // Editing a file two imports away changes it; editing a type-only import does not.
    await write("loaders/site/types.ts", "export type T = string;\n");
    expect(await loaderFingerprint(events, inputs())).toBe(base);
    await write("loaders/shared.ts", 'import fs from "node:fs";\nexport const x = fs.constants;\n');
    expect(await loaderFingerprint(events, inputs())).not.toBe(base);
  });

  it("covers a SQL loader's text and the runner's code, and only the versions the query reads", async () => {
    await write("loaders/site/sql-main.ts", 'import { b } from "./b.ts";\nb(1);\n');
    const sql = (text: string): SiteLoader => ({
      name: "s",
      file: "s.json.sql",
      kind: "sql",
      reads: ["behavioral_events"],
      sql: text,
    });
    const base = await loaderFingerprint(sql("SELECT 1 FROM behavioral_events"), inputs());
    expect(await loaderFingerprint(sql("SELECT 2 FROM behavioral_events"), inputs())).not.toBe(base);
    expect(
      await loaderFingerprint(sql("SELECT 1 FROM behavioral_events"), {
        ...inputs(),
        pins: { ...pins, context_metadata: V("d") },
      }),
    ).toBe(base);
    expect(
      await loaderFingerprint(sql("SELECT 1 FROM behavioral_events"), {
        ...inputs(),
        pins: { ...pins, behavioral_events: V("d") },
      }),
    ).not.toBe(base);
    await write("loaders/site/b.ts", 'export { x } from "../shared.ts";\nexport const b = (x: unknown) => [x];\n');
    expect(await loaderFingerprint(sql("SELECT 1 FROM behavioral_events"), inputs())).not.toBe(base);
  });
});

/**
 * A run that reproduces an older version's bytes rewrites that version's lineage record in place (its time, run and
 * commit change, its version id does not). The loaders that show record fields must then run again.
 */
describe("loader fingerprints and rewritten lineage records", () => {
  let project: TestProject;
  const at = (day: number) => Date.UTC(2025, 6, day);
  const select = (dataset: string, n: number) => `SELECT '${dataset}' AS name, ${n} AS n`;
  const pins: Record<string, string> = {};
  let olderEvents: string;
  let derived: string;
  let siteLoaders: SiteLoader[];

  const fingerprints = async () => {
    const out: Record<string, string> = {};
    for (const loader of siteLoaders)
      out[loader.name] = await loaderFingerprint(loader, {
        root: projectRoot,
        lineageDir: project.config.lineageDir,
        pinSet: "default",
        pins,
        keyId: "k1",
      });
    return out;
  };
  const changed = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).filter((name) => a[name] !== b[name]);

  beforeAll(async () => {
    // The demo site's own loaders, with what each declares.
    siteLoaders = await discoverLoaders(path.join(projectRoot, "src"));
    project = await createProject();
    const { config } = project;
    for (const [i, dataset] of ["context_metadata", "experiment_protocols", "phase_assignments"].entries())
      pins[dataset] = await makeVersion(config, dataset, select(dataset, 1), at(1 + i));
    olderEvents = await makeVersion(config, "behavioral_events", select("behavioral_events", 1), at(5));
    pins.behavioral_events = await makeVersion(config, "behavioral_events", select("behavioral_events", 2), at(6));
    // A derived version made from the older events version, which stays unpinned.
    derived = `sha256:${createHash("sha256").update("derived").digest("hex")}`;
    await writeRecord(
      config.lineageDir,
      "daily_user_metrics",
      buildRecord({
        job: "run.daily_user_metrics",
        dataset: "daily_user_metrics",
        version: derived,
        rowCount: 1,
        size: 1,
        fields: [],
        inputs: [
          { namespace: "labbook", name: "behavioral_events", facets: { version: { datasetVersion: olderEvents } } },
        ],
        dataSource: { name: "labbook", uri: "labbook://" },
        sql: "SELECT 1",
        parameters: {},
        git: { commit: null, branch: null, dirty: null },
        sourcePath: "test/site/fingerprint.test.ts",
        startedAt: at(7),
        endedAt: at(7),
      }),
    );
  });
  afterAll(() => project?.remove());

  it("is declared by every loader whose code can read lineage records", async () => {
    const catalog = path.join(projectRoot, "loaders", "lineage", "catalog.ts");
    const undeclared: string[] = [];
    for (const loader of siteLoaders.filter((l) => l.kind === "ts")) {
      const closure = await sourceClosure(path.join(projectRoot, "src", loader.file));
      if (closure.includes(catalog) && !loader.lineage) undeclared.push(loader.name);
    }
    expect(undeclared).toEqual([]);
  });

  it("follows a record's input versions only for the lineage graph, and every version for the history", async () => {
    const lineageDir = project.config.lineageDir;
    const start = [{ dataset: "daily_user_metrics", version: derived }];
    const key = (dataset: string, version: string) =>
      path.relative(lineageDir, recordPath(lineageDir, dataset, version));
    expect(Object.keys(await recordDigests(lineageDir, "pinned", start))).toEqual([key("daily_user_metrics", derived)]);
    expect(Object.keys(await recordDigests(lineageDir, "inputs", start))).toEqual([
      key("behavioral_events", olderEvents),
      key("daily_user_metrics", derived),
    ]);
    const history = await recordDigests(lineageDir, "history", [
      { dataset: "behavioral_events", version: pins.behavioral_events! },
    ]);
    expect(Object.keys(history).sort()).toEqual(
      [key("behavioral_events", olderEvents), key("behavioral_events", pins.behavioral_events!)].sort(),
    );
    const bytes = await readFile(recordPath(lineageDir, "behavioral_events", olderEvents));
    expect(history[key("behavioral_events", olderEvents)]).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("changes exactly for the loaders that read the rewritten record", async () => {
    const { config } = project;
    const pinnedFile = recordPath(config.lineageDir, "behavioral_events", pins.behavioral_events!);
    const olderFile = recordPath(config.lineageDir, "behavioral_events", olderEvents);

    // The unpinned older version made again: its record is rewritten; only the quality history reads it.
    let before = await fingerprints();
    const olderRecord = await readFile(olderFile, "utf8");
    expect(await makeVersion(config, "behavioral_events", select("behavioral_events", 1), at(8))).toBe(olderEvents);
    expect(await readFile(olderFile, "utf8")).not.toBe(olderRecord);
    let after = await fingerprints();
    expect(changed(before, after)).toEqual(["data/quality.json.ts"]);

    // The pinned version made again: the catalog, the lineage graph and the quality history show its record.
    before = after;
    const pinnedRecord = await readFile(pinnedFile, "utf8");
    expect(await makeVersion(config, "behavioral_events", select("behavioral_events", 2), at(9))).toBe(
      pins.behavioral_events,
    );
    expect(await readFile(pinnedFile, "utf8")).not.toBe(pinnedRecord);
    after = await fingerprints();
    expect(changed(before, after)).toEqual(["data/catalog.json.ts", "data/lineage.json.ts", "data/quality.json.ts"]);

    // Pin the derived version: the lineage graph reads its input's record, the catalog only its own.
    pins.daily_user_metrics = derived;
    before = await fingerprints();
    await makeVersion(config, "behavioral_events", select("behavioral_events", 1), at(10));
    after = await fingerprints();
    expect(changed(before, after)).toEqual(["data/lineage.json.ts", "data/quality.json.ts"]);

    // Nothing rewritten: nothing changes.
    expect(await fingerprints()).toEqual(after);
  });
});
