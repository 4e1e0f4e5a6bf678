import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportIceberg } from "../../loaders/iceberg/export.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";
import { restCatalogStub, type RestCatalogStub } from "../util/rest-catalog.ts";
import { DAY, rowsSql, T0 } from "./_tables.ts";

describe("labbook iceberg --catalog (a REST catalog stub on loopback)", () => {
  let project: TestProject;
  let stub: RestCatalogStub;
  let warehouse: string;

  beforeAll(async () => {
    project = await createProject();
    warehouse = path.join(project.root, "warehouse");
    await makeVersion(project.config, "events", rowsSql(3), T0);
    stub = await restCatalogStub();
  });
  afterAll(async () => {
    await stub?.close();
    await project?.remove();
  });

  const run = () =>
    exportIceberg(project.config, { warehouse, catalog: { url: stub.url, namespace: "lab", token: "secret" } });
  const registers = () => stub.requests.filter((r) => r.path.endsWith("/register"));

  it("registers each table at its newest metadata file, with the bearer token", async () => {
    const result = await run();
    expect(result.tables.map((t) => [t.dataset, t.catalog])).toEqual([["events", "registered"]]);
    expect(stub.tables.get("lab.events")).toBe(`file://${warehouse}/events/metadata/v1.metadata.json`);
    expect(registers().map((r) => r.body)).toEqual([
      { name: "events", "metadata-location": `file://${warehouse}/events/metadata/v1.metadata.json`, overwrite: false },
    ]);
    expect(new Set(stub.requests.map((r) => r.authorization))).toEqual(new Set(["Bearer secret"]));
  });

  it("leaves the catalog alone when nothing changed, and re-registers a table whose metadata did", async () => {
    expect((await run()).tables[0]!.catalog).toBe("unchanged");
    expect(registers()).toHaveLength(1);
    await makeVersion(project.config, "events", rowsSql(4), T0 + DAY);
    expect((await run()).tables[0]!.catalog).toBe("updated");
    expect(registers().at(-1)!.body).toMatchObject({ overwrite: true });
    expect(stub.tables.get("lab.events")).toBe(`file://${warehouse}/events/metadata/v2.metadata.json`);
  });

  it("names the catalog when it refuses", async () => {
    await stub.close();
    await expect(run()).rejects.toMatchObject({ code: "E_REMOTE" });
    stub = await restCatalogStub();
  });
});
