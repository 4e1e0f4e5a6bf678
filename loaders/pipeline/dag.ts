import type { DatasetDef } from "../datasets/define.ts";
import { makerCommand } from "../datasets/index.ts";
import { LabbookError, usageError } from "../errors.ts";

/** The derived datasets of a definition list, in dependency order, with the inputs each names. */
export interface Dag {
  /** Derived datasets, each after every derived dataset it reads. */
  order: DatasetDef[];
  byName: Map<string, DatasetDef>;
}

/**
 * Builds the DAG from the definitions: a derived dataset's inputs are its edges. Fails naming the dataset when an
 * input is unknown and naming the whole loop when the inputs form a cycle.
 */
export function buildDag(defs: readonly DatasetDef[]): Dag {
  const byName = new Map(defs.map((d) => [d.name, d]));
  for (const def of defs) {
    for (const input of def.derive?.inputs ?? []) {
      if (!byName.has(input)) {
        throw new LabbookError(`pipeline: ${def.name} reads unknown dataset "${input}"`, { code: "E_PIPELINE" });
      }
    }
  }
  const order: DatasetDef[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (def: DatasetDef, path: string[]) => {
    if (state.get(def.name) === "done") return;
    if (state.get(def.name) === "visiting") {
      const loop = [...path.slice(path.indexOf(def.name)), def.name];
      throw new LabbookError(`pipeline: the inputs form a cycle: ${loop.join(" → ")}`, {
        code: "E_PIPELINE",
        details: ["A derived dataset cannot read itself, directly or through others."],
      });
    }
    state.set(def.name, "visiting");
    // Inputs in their declared order, so the run order is stable and readable.
    for (const input of def.derive?.inputs ?? []) visit(byName.get(input)!, [...path, def.name]);
    state.set(def.name, "done");
    if (def.derive) order.push(def);
  };
  for (const def of defs) visit(def, []);
  return { order, byName };
}

/** The named derived datasets and every derived dataset they read, in run order; all of them when none are named. */
export function selectStages(dag: Dag, targets: readonly string[]): DatasetDef[] {
  if (targets.length === 0) return dag.order;
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    const def = dag.byName.get(name)!;
    if (!def.derive) return;
    wanted.add(name);
    def.derive.inputs.forEach(add);
  };
  for (const name of targets) {
    const def = dag.byName.get(name);
    if (!def) {
      throw usageError(`labbook run: unknown dataset ${name}`, [
        `Derived datasets: ${dag.order.map((d) => d.name).join(", ")}.`,
      ]);
    }
    if (!def.derive)
      throw usageError(`labbook run: ${name} is ${def.produced ? "not derived" : "a source dataset"}`, [
        `Its versions are made by "${makerCommand(def)}".`,
      ]);
    add(name);
  }
  return dag.order.filter((d) => wanted.has(d.name));
}

/** Whether `def` reads `other`, directly or through other stages. */
export function dependsOn(dag: Dag, def: DatasetDef, other: string): boolean {
  return (def.derive?.inputs ?? []).some((i) => i === other || dependsOn(dag, dag.byName.get(i)!, other));
}
