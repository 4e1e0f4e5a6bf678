import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../loaders/config.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import { loaderFiles } from "../../loaders/site/discover.ts";
import type { CliResult } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { ingestAndDerive, seedSmall } from "../util/site.ts";
import { createProject, type TestProject } from "../util/project.ts";

// A build runs Framework and every data loader: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 300_000;

/** Runs `labbook <args>` in a new network namespace: no interface but a downed loopback, so no request can leave. */
function runOffline(project: TestProject, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", ["-n", process.execPath, path.join(project.root, "bin", "labbook.js"), ...args], {
      cwd: project.root,
      env: { ...process.env, ...project.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The build makes no network request: a cold build (empty Framework cache) from pins whose objects are local, run
 * with no network at all, succeeds; and a guard preloaded into every node process (the CLI, Framework, each data
 * loader) records no TCP connection and no DNS lookup.
 */
describe("labbook build offline", () => {
  let db: TestDatabase;
  let project: TestProject;

  beforeAll(async () => {
    const probe = spawnSync("unshare", ["-n", "true"]);
    if (probe.status !== 0)
      throw new Error(`this test needs "unshare -n" (util-linux, run as root): ${probe.stderr?.toString().trim()}`);
    db = await createTestDatabase("offline");
    await seedSmall(db.sql);
    project = await createProject({ databaseUrl: db.url, site: "demo" });
    // Online part: ingest and pin. The build below never sees the database.
    await writePins(path.join(project.root, "lineage"), { default: await ingestAndDerive(project) });
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it(
    "builds the whole site with no network and attempts no connection",
    async () => {
      expect(existsSync(path.join(project.root, "src", ".observablehq"))).toBe(false);
      const netLog = path.join(project.root, "net.log");
      await writeFile(netLog, "");
      const result = await runOffline(project, ["build", "--json"], {
        DATABASE_URL: "",
        LABBOOK_NET_LOG: netLog,
        NODE_OPTIONS: `--import ${path.join(projectRoot, "test", "util", "net-guard.mjs")}`,
      });
      expect(result.stderr).not.toMatch(/fetch failed|EAI_AGAIN|ENETUNREACH|^error/m);
      expect(result.code).toBe(0);
      const built = JSON.parse(result.stdout);
      expect(built.pages).toContain("index.html");
      expect(built.pages).toContain("events.html");
      expect(built.rerun).toEqual((await loaderFiles(path.join(project.root, "src"))).map((l) => l.file));
      expect(await readFile(netLog, "utf8")).toBe("");
    },
    BUILD_TIMEOUT,
  );
});
