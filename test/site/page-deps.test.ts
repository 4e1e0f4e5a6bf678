import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertPageDeps, missingPageDeps } from "../../loaders/site/page-deps.ts";

/** A built site's page code must not load a module the offline build left out (the browser would get a 404). */
describe("modules the built pages need", () => {
  let dist: string;
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(dist, file)), { recursive: true });
    await writeFile(path.join(dist, file), text);
  };
  const page = (body: string) => `<!DOCTYPE html><script type="module">\n${body}\n</script>`;

  beforeEach(async () => {
    dist = await mkdtemp(path.join(tmpdir(), "labbook-page-deps-"));
    // Framework's client names every parser it could load lazily, whether a page needs it or not.
    await write("_observablehq/stdlib.js", 'async function csv() { return import("../_npm/d3-dsv@3.0.2/_esm.js"); }');
    await write("index.html", page('const catalog = FileAttachment("./data/catalog.json").json();'));
  });
  afterEach(() => rm(dist, { recursive: true, force: true }));

  it("accepts pages that read JSON, whatever Framework's own bundles name", async () => {
    expect(await missingPageDeps(dist)).toEqual([]);
    await expect(assertPageDeps(dist)).resolves.toBeUndefined();
  });

  it("names each page that calls a parser Framework loads from _npm/", async () => {
    await write("events.html", page('const rows = FileAttachment("./data/events.csv").csv({typed: true});'));
    await write(
      "_import/components/table.js",
      'export const load = (f) => f;\nconst t = FileAttachment(name("x")) .parquet();',
    );
    expect(await missingPageDeps(dist)).toEqual([
      `${path.join("_import", "components", "table.js")} calls FileAttachment(…).parquet(), whose parser _npm/parquet-wasm is not in the output`,
      "events.html calls FileAttachment(…).csv(), whose parser _npm/d3-dsv is not in the output",
    ]);
    // A build that did ship the parser is fine.
    await write("_npm/d3-dsv@3.0.2/_esm.js", "export {};");
    await write("_npm/parquet-wasm@0.6.1/_esm.js", "export {};");
    expect(await missingPageDeps(dist)).toEqual([]);
  });

  it("names each _npm/ import of a page that is not in the output, relative to the page", async () => {
    await write("experiments/p1.html", page('import {x} from "../_npm/foo@1.0.0/_esm.js";'));
    expect(await missingPageDeps(dist)).toEqual([
      `${path.join("experiments", "p1.html")} imports ../_npm/foo@1.0.0/_esm.js, which is not in the output`,
    ]);
    await write("_npm/foo@1.0.0/_esm.js", "export const x = 1;");
    expect(await missingPageDeps(dist)).toEqual([]);
  });

  it("fails the build with E_CONFIG and says to emit JSON", async () => {
    await write("quality.html", page('const t = FileAttachment("./data/q.arrow").arrow();'));
    const error = await assertPageDeps(dist).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "E_CONFIG",
      message:
        "built pages need modules the offline build does not have: quality.html calls FileAttachment(…).arrow(), whose parser _npm/apache-arrow is not in the output",
    });
    expect((error as { details: string[] }).details[0]).toContain("FileAttachment(…).json()");
  });
});
