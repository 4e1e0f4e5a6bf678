import type { DatasetDef } from "../datasets/define.ts";
import { checkModules } from "./checks/index.ts";
import type { CheckModule } from "./check.ts";
import type { CheckSpec } from "../datasets/check-spec.ts";

/** The datasets a definition's checks read besides its own rows. */
export function checkInputs(def: DatasetDef): string[] {
  const out = new Set<string>();
  for (const spec of def.checks ?? []) {
    const module = checkModules[spec.type] as unknown as CheckModule<CheckSpec> | undefined;
    for (const d of module?.inputs?.(spec) ?? []) if (d !== def.name) out.add(d);
  }
  return [...out];
}

/**
 * Orders datasets so that each comes after the datasets its checks read, keeping the given order otherwise. An
 * ingest of several datasets then checks each against the others' new versions, not their previous ones.
 */
export function orderForChecks(defs: DatasetDef[]): DatasetDef[] {
  const names = new Set(defs.map((d) => d.name));
  const done = new Set<string>();
  const out: DatasetDef[] = [];
  const visit = (def: DatasetDef, path: string[]) => {
    if (done.has(def.name) || path.includes(def.name)) return; // a cycle keeps the given order
    for (const input of checkInputs(def)) {
      const other = defs.find((d) => d.name === input);
      if (other && names.has(input)) visit(other, [...path, def.name]);
    }
    done.add(def.name);
    out.push(def);
  };
  for (const def of defs) visit(def, []);
  return out;
}
