import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loaderFingerprint } from "../../loaders/site/fingerprint.ts";
import type { SiteLoader } from "../../loaders/site/manifest.ts";
import { sourceClosure } from "../../loaders/site/sources.ts";

const V = (c: string) => `sha256:${c.repeat(64)}`;

describe("loader fingerprints", () => {
  let root: string;
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  };
  const events: SiteLoader = { name: "events", file: "data/events.json.ts", reads: ["behavioral_events"] };
  const all: SiteLoader = { name: "catalog", file: "data/events.json.ts", reads: "all" };
  const pins = { behavioral_events: V("a"), context_metadata: V("b") };
  const inputs = () => ({ root, pinSet: "default", pins, keyId: "k1" });

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
});
