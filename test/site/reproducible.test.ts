import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../loaders/config.ts";
import { runCli, type CliResult } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { filesUnder, seedSmall } from "../util/site.ts";
import { createProject, type TestProject } from "../util/project.ts";

const run = promisify(execFile);
// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;

/** The pieces of a checkout that the site project links to the repository: not in its git history. */
const LINKED = ["loaders", "bin", "node_modules", "package.json"];

/**
 * The README's publish recipe, followed on two checkouts of one commit: the first ingests from the database, pins,
 * commits lineage/ and pushes, then builds; the second is a git clone that builds from the remote alone (its
 * database unreachable). Their dist/ must be byte-identical, and neither build may leave `git status` unclean.
 */
describe("a site built from a commit", () => {
  let db: TestDatabase;
  let remote: string;
  let origin: TestProject;
  let clone: { root: string; cli(args: string[]): Promise<CliResult> };
  let cloneBuild: CliResult;
  let originBuild: CliResult;
  const shared = {
    LABBOOK_PSEUDONYM_KEY: "the same key in CI as on the desk",
    SOURCE_DATE_EPOCH: "1767225600",
  };
  const git = async (cwd: string, ...args: string[]) =>
    (
      await run(
        "git",
        ["-c", "user.name=labbook test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", ...args],
        { cwd },
      )
    ).stdout;

  beforeAll(async () => {
    db = await createTestDatabase("repro");
    await seedSmall(db.sql);
    remote = await mkdtemp(path.join(tmpdir(), "labbook-remote-"));
    origin = await createProject({ databaseUrl: db.url, site: "demo" });
    const env = { ...shared, LABBOOK_REMOTE: remote };
    await writeFile(
      path.join(origin.root, ".gitignore"),
      ["/data/", "/dist/", "src/.observablehq/cache/", ...LINKED.map((l) => `/${l}`)].join("\n") + "\n",
    );
    await git(origin.root, "init", "-q", "-b", "main");
    await git(origin.root, "add", ".");
    await git(origin.root, "commit", "-q", "-m", "The report site");

    // The recipe, on the machine with the database.
    for (const args of [["ingest", "--all"], ["run"], ["pin", "default", "--all"]]) {
      const result = await origin.cli(args, env);
      expect(result.code, result.stderr).toBe(0);
    }
    await git(origin.root, "add", "lineage");
    await git(origin.root, "commit", "-q", "-m", "Pin the data of the report");
    const push = await origin.cli(["push"], env);
    expect(push.code, push.stderr).toBe(0);
    originBuild = await origin.cli(["build", "--json"], env);
    expect(originBuild.code, originBuild.stderr).toBe(0);

    // CI: a clone of that commit, the same remote and key, and no database it could reach.
    const root = await mkdtemp(path.join(tmpdir(), "labbook-clone-"));
    await git(origin.root, "clone", "-q", `file://${origin.root}`, root);
    for (const entry of LINKED) await symlink(path.join(projectRoot, entry), path.join(root, entry));
    const cloneEnv = {
      ...origin.env,
      ...env,
      LABBOOK_ROOT: root,
      LABBOOK_DATA_DIR: path.join(root, "data"),
      LABBOOK_LINEAGE_DIR: path.join(root, "lineage"),
      DATABASE_URL: "postgres://nobody:secret@127.0.0.1:1/none",
    };
    clone = { root, cli: (args) => runCli(args, cloneEnv, root) };
    cloneBuild = await clone.cli(["build", "--json"]);
    expect(cloneBuild.code, cloneBuild.stderr).toBe(0);
  }, 3 * BUILD_TIMEOUT);

  afterAll(async () => {
    if (clone) await rm(clone.root, { recursive: true, force: true });
    await origin?.remove();
    if (remote) await rm(remote, { recursive: true, force: true });
    await db?.drop();
  });

  it("builds the clone from the remote alone", () => {
    expect(JSON.parse(originBuild.stdout).preparation).toEqual({ action: "ready" });
    expect(JSON.parse(cloneBuild.stdout).preparation).toMatchObject({ action: "pulled" });
    expect(cloneBuild.stderr).not.toMatch(/lineage record\(s\) this commit lacks/);
  });

  it("gives both checkouts a byte-identical dist/", async () => {
    const a = path.join(origin.root, "dist");
    const b = path.join(clone.root, "dist");
    const files = (await filesUnder(a)).sort();
    expect((await filesUnder(b)).sort()).toEqual(files);
    expect(files).toEqual(expect.arrayContaining(["quality.html", "lineage.html", "index.html"]));
    const differ: string[] = [];
    for (const file of files) {
      const [x, y] = [await readFile(path.join(a, file)), await readFile(path.join(b, file))];
      if (x.equals(y)) continue;
      // Where they part, for the failure message.
      const [lx, ly] = [x.toString("utf8").split("\n"), y.toString("utf8").split("\n")];
      const at = lx.findIndex((line, i) => line !== ly[i]);
      differ.push(`${file}:${at + 1}\n  ${lx[at]?.slice(0, 400)}\n  ${ly[at]?.slice(0, 400)}`);
    }
    expect(differ).toEqual([]);
    // The build time is the commit's SOURCE_DATE_EPOCH, not the time either build ran.
    const stamp = files.find((f) => /^_file\/data\/provenance\.[0-9a-f]+\.json$/.test(f))!;
    const provenance = JSON.parse(await readFile(path.join(a, stamp), "utf8"));
    expect(provenance).toMatchObject({ builtAt: "2026-01-01T00:00:00.000Z", git: { dirty: false } });
    // Framework's file times (when a loader last ran here) are the build time too.
    const quality = await readFile(path.join(a, "quality.html"), "utf8");
    expect(quality).toMatch(/^registerFile\(.*"lastModified":1767225600000,/m);
    expect(quality).not.toMatch(/"lastModified":(?!1767225600000,)/);
  });

  it("leaves git status clean in both checkouts", async () => {
    expect(await git(origin.root, "status", "--porcelain")).toBe("");
    expect(await git(clone.root, "status", "--porcelain")).toBe("");
  });
});
