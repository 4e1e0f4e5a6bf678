import { z } from "zod";
import { describe, expect, it } from "vitest";
import { datasets } from "../../loaders/datasets/index.ts";
import { defineDataset, type DatasetDef } from "../../loaders/datasets/define.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { buildDag, selectStages } from "../../loaders/pipeline/dag.ts";
import { definitionHash, stageFingerprint } from "../../loaders/pipeline/fingerprint.ts";

const schema = z.object({ id: z.string() });
const source = (name: string) =>
  defineDataset({
    name,
    description: name,
    schema,
    primaryKey: ["id"],
    sortKey: ["id"],
    source: { kind: "postgres", table: "behavioralEvent" },
  });
const derived = (name: string, inputs: string[]) =>
  defineDataset({
    name,
    description: name,
    schema,
    primaryKey: ["id"],
    sortKey: ["id"],
    derive: { inputs, sql: `SELECT id FROM ${inputs[0]}` },
  });

const names = (defs: DatasetDef[]) => defs.map((d) => d.name);

describe("buildDag", () => {
  it("orders the registry's derived datasets after everything they read", () => {
    expect(names(buildDag(datasets).order)).toEqual([
      "events_dedup",
      "sessions",
      "daily_user_metrics",
      "weekly_metrics",
      "phase_observations",
    ]);
  });

  it("orders stages by their inputs, whatever order they are declared in", () => {
    const defs = [derived("c", ["b"]), derived("b", ["a", "s"]), source("s"), derived("a", ["s"])];
    expect(names(buildDag(defs).order)).toEqual(["a", "b", "c"]);
  });

  it("names the whole loop when the inputs form a cycle", () => {
    const defs = [source("s"), derived("a", ["s", "c"]), derived("b", ["a"]), derived("c", ["b"])];
    let error: unknown;
    try {
      buildDag(defs);
    } catch (e) {
      error = e;
    }
    expect(isLabbookError(error, "E_PIPELINE")).toBe(true);
    expect((error as Error).message).toBe("pipeline: the inputs form a cycle: a → c → b → a");
  });

  it("fails naming the stage that reads an unknown dataset", () => {
    expect(() => buildDag([derived("a", ["nowhere"])])).toThrow('pipeline: a reads unknown dataset "nowhere"');
  });
});

describe("selectStages", () => {
  const dag = buildDag(datasets);

  it("takes a named stage with every stage it reads, in run order", () => {
    expect(names(selectStages(dag, ["weekly_metrics"]))).toEqual([
      "events_dedup",
      "sessions",
      "daily_user_metrics",
      "weekly_metrics",
    ]);
    expect(names(selectStages(dag, ["phase_observations"]))).toEqual(["events_dedup", "phase_observations"]);
  });

  it("refuses source datasets and unknown names as usage errors", () => {
    expect(() => selectStages(dag, ["behavioral_events"])).toThrow(
      "labbook run: behavioral_events is a source dataset",
    );
    expect(() => selectStages(dag, ["nope"])).toThrow("labbook run: unknown dataset nope");
  });
});

describe("fingerprints", () => {
  const sessions = datasets.find((d) => d.name === "sessions")!;

  it("change with the SQL, the schema or the keys, and not otherwise", () => {
    const base = definitionHash(sessions);
    expect(definitionHash({ ...sessions })).toBe(base);
    expect(definitionHash({ ...sessions, description: "reworded" })).toBe(base);
    expect(definitionHash({ ...sessions, derive: { ...sessions.derive!, sql: `${sessions.derive!.sql} ` } })).not.toBe(
      base,
    );
    expect(definitionHash({ ...sessions, sortKey: ["sessionId"] })).not.toBe(base);
    expect(definitionHash({ ...sessions, schema: sessions.schema.extend({ extra: z.string() }) })).not.toBe(base);
  });

  it("change with any input version, whatever the order of the inputs", () => {
    const a = stageFingerprint("sha256:d", { x: "sha256:1", y: "sha256:2" });
    expect(stageFingerprint("sha256:d", { y: "sha256:2", x: "sha256:1" })).toBe(a);
    expect(stageFingerprint("sha256:d", { x: "sha256:1", y: "sha256:3" })).not.toBe(a);
    expect(stageFingerprint("sha256:e", { x: "sha256:1", y: "sha256:2" })).not.toBe(a);
  });
});

describe("a partitioned derived dataset", () => {
  const withTime = z.object({ id: z.string(), t: z.date() });
  const stage = (partitioning: { column: string; grain: "day" | "month" }, incremental?: { column: string }) => () =>
    defineDataset({
      name: "by_day",
      description: "by day",
      schema: withTime,
      primaryKey: ["id"],
      sortKey: ["t", "id"],
      partitioning,
      derive: {
        inputs: ["events"],
        sql: "SELECT id, t FROM events",
        ...(incremental ? { incremental: { column: incremental.column, inputs: { events: "t" } } } : {}),
      },
    });

  it("is partitioned by day on its incremental column, and nothing else", () => {
    expect(stage({ column: "t", grain: "day" }, { column: "t" })).not.toThrow();
    for (const bad of [stage({ column: "t", grain: "day" }), stage({ column: "t", grain: "month" }, { column: "t" })])
      expect(bad).toThrow(/a derived dataset is partitioned by day, on its incremental column/);
  });

  it("has a definition hash of its own: declaring partitioning runs the stage again", () => {
    const partitioned = stage({ column: "t", grain: "day" }, { column: "t" })();
    const plain = { ...partitioned, partitioning: undefined };
    expect(definitionHash(partitioned)).not.toBe(definitionHash(plain));
  });
});
