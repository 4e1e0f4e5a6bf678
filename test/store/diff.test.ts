import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffVersions } from "../../loaders/store/diff.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";

const DS = "experiment_protocols";
const T0 = Date.parse("2025-07-01T00:00:00Z");

// v1 has ids p000–p004. v2 drops p000, adds p005 and p006, renames p002, drops column hypothesis, adds note,
// and widens sampleSizeTarget from INTEGER to BIGINT with the same values.
const v1Sql = `SELECT printf('p%03d', i) AS id, 'protocol ' || i AS protocolName, 'h' || i AS hypothesis,
  (10 * i)::INTEGER AS sampleSizeTarget FROM range(0, 5) t(i) ORDER BY id`;
const v2Sql = `SELECT printf('p%03d', i) AS id, CASE WHEN i = 2 THEN 'renamed' ELSE 'protocol ' || i END AS protocolName,
  (10 * i)::BIGINT AS sampleSizeTarget, 'n' AS note FROM range(1, 7) t(i) ORDER BY id`;

describe("diff", () => {
  let p: TestProject;
  let v1: string;
  let v2: string;
  beforeAll(async () => {
    p = await createProject();
    v1 = await makeVersion(p.config, DS, v1Sql, T0);
    v2 = await makeVersion(p.config, DS, v2Sql, T0 + 1000);
  });
  afterAll(() => p.remove());

  it("reports exactly the schema and row differences between two versions", async () => {
    const d = await diffVersions(p.config, DS, shortVersion(v1), undefined);
    expect(d).toEqual({
      dataset: DS,
      from: { version: v1, rows: 5 },
      to: { version: v2, rows: 6 },
      schema: {
        added: [{ name: "note", type: "VARCHAR" }],
        removed: [{ name: "hypothesis", type: "VARCHAR" }],
        retyped: [{ name: "sampleSizeTarget", from: "INTEGER", to: "BIGINT" }],
      },
      key: ["id"],
      rows: {
        added: 2,
        removed: 1,
        changed: 1,
        unchanged: 3,
        changedColumns: { protocolName: 1 },
        examples: { added: ["p005", "p006"], removed: ["p000"], changed: ["p002"] },
      },
    });
  });

  it("finds no differences between a version and itself", async () => {
    const d = await diffVersions(p.config, DS, shortVersion(v2), shortVersion(v2));
    expect(d.schema).toEqual({ added: [], removed: [], retyped: [] });
    expect(d.rows).toMatchObject({ added: 0, removed: 0, changed: 0, unchanged: 6, changedColumns: {} });
  });

  it("matches on a composite --key and prints a readable summary from the CLI", async () => {
    const r = await runCli(["diff", `${DS}@${shortVersion(v1)}`, `${DS}@latest`, "--key", "id,protocolName"], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("column removed: hypothesis VARCHAR");
    expect(r.stdout).toContain("column retyped: sampleSizeTarget INTEGER → BIGINT");
    // p002 changed its name, so under this key it was removed and added.
    expect(r.stdout).toContain("by key (id, protocolName): 3 added, 2 removed, 0 changed, 3 unchanged");
    expect(r.stdout).toContain("removed e.g. (p000, protocol 0), (p002, protocol 2)");
  });

  it("prints the whole diff as JSON with --json", async () => {
    const r = await runCli(["diff", `${DS}@${shortVersion(v1)}`, `${DS}@${shortVersion(v2)}`, "--json"], p.env);
    expect(r.code, r.stderr).toBe(0);
    // The CLI's JSON is the library's result, field for field.
    expect(JSON.parse(r.stdout)).toEqual(await diffVersions(p.config, DS, v1, v2));
    expect(JSON.parse(r.stdout)).toMatchObject({
      dataset: DS,
      from: { version: v1, rows: 5 },
      to: { version: v2, rows: 6 },
      key: ["id"],
      rows: { added: 2, removed: 1, changed: 1, unchanged: 3 },
    });
  });

  it("refuses a key that is not unique or is NULL in a version, naming the key, the version and a value", async () => {
    const CM = "context_metadata";
    // u2 has three rows in the newer version; mood is NULL in one row of each.
    const rows = (
      users: string,
    ) => `SELECT 'c' || i AS id, u AS userId, CASE WHEN i = 1 THEN NULL ELSE 'calm' END AS mood
      FROM (SELECT unnest(${users}) AS u, generate_subscripts(${users}, 1) AS i) ORDER BY id`;
    const c1 = await makeVersion(p.config, CM, rows("['u1', 'u2', 'u3']"), T0);
    const c2 = await makeVersion(p.config, CM, rows("['u1', 'u2', 'u2', 'u3', 'u2']"), T0 + 1000);
    const refs = [`${CM}@${shortVersion(c1)}`, `${CM}@${shortVersion(c2)}`];
    const dup = await runCli(["diff", ...refs, "--key", "userId", "--json"], p.env);
    expect(dup.code).toBe(2);
    expect(JSON.parse(dup.stdout).error).toEqual({
      code: "E_USAGE",
      message: `key (userId) is not unique in ${CM}@${shortVersion(c2)}: "u2" occurs 3 times`,
      details: ["Pass a --key whose values are unique and never NULL, such as the primary key (id)."],
    });
    const composite = await runCli(["diff", ...refs, "--key", "userId,mood"], p.env);
    expect(composite.code).toBe(2);
    expect(composite.stderr).toContain(`error: key (userId, mood) is NULL in 1 row of ${CM}@${shortVersion(c1)}\n`);
    // The primary key is unique in both: the diff runs.
    expect((await runCli(["diff", ...refs], p.env)).code).toBe(0);
  });

  it("refuses refs to two datasets and key columns a version lacks", async () => {
    const two = await runCli(["diff", `${DS}@latest`, "phase_assignments@latest"], p.env);
    expect(two.code).toBe(2);
    const bad = await runCli(
      ["diff", `${DS}@${shortVersion(v1)}`, `${DS}@latest`, "--key", "hypothesis", "--json"],
      p.env,
    );
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toBe(`key column "hypothesis" is not in both versions of ${DS}`);
  });
});
