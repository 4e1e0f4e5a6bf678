import { shortVersion } from "../../lineage/version.ts";
import type { CheckModule, CheckTarget } from "../check.ts";
import type { RelationshipsCheck } from "../../datasets/check-spec.ts";
import { columnList, keyAnd } from "./_sql.ts";

type Joined = ReturnType<CheckTarget["input"]>;

/** Resolves `column` or `dataset.column` among the referenced dataset (alias p) and the via datasets (v0, v1, …). */
function resolver(t: CheckTarget, to: Joined, via: { name: string; input: Joined; alias: string }[]) {
  return (ref: string, where: string): string => {
    if (typeof ref !== "string") return t.fail(`${where}: expected a column name, got ${JSON.stringify(ref)}`);
    const dot = ref.indexOf(".");
    if (dot < 0) return `p.${to.col(ref)}`;
    const [dataset, column] = [ref.slice(0, dot), ref.slice(dot + 1)];
    if (dataset === to.def.name) return `p.${to.col(column)}`;
    const v = via.find((x) => x.name === dataset);
    if (!v) return t.fail(`${where}: "${ref}" names ${dataset}, which is neither ${to.def.name} nor a via dataset`);
    return `${v.alias}.${v.input.col(column)}`;
  };
}

/**
 * Rows whose referencing columns, all non-NULL, have no match in the referenced dataset (joined through `via`).
 * NULLs are not checked, as in SQL's MATCH SIMPLE.
 */
export const relationships: CheckModule<RelationshipsCheck> = {
  countsRows: true,
  inputs: (spec) => [spec.to?.dataset, ...(spec.to?.via ?? []).map((v) => v.dataset)].filter((d) => d !== undefined),
  compile(spec, t) {
    const child = columnList(t, spec.columns).map((c) => `c.${c}`);
    if (!spec.to || !Array.isArray(spec.to.columns) || spec.to.columns.length !== child.length)
      t.fail(`"to.columns" must name one referenced column per column in "columns"`);
    const to = t.input(spec.to.dataset);
    const via = (spec.to.via ?? []).map((v, i) => ({
      name: v.dataset,
      input: t.input(v.dataset),
      alias: `v${i}`,
      on: v.on,
    }));
    const ref = resolver(t, to, via);
    const joins = via.map((v, i) => {
      const pairs = Object.entries(v.on ?? {});
      if (pairs.length === 0)
        t.fail(`via[${i}] (${v.name}) needs "on": {<column of ${to.def.name}>: <column of ${v.name}>}`);
      const on = pairs.map(([left, right]) => `${ref(left, `via[${i}].on`)} = ${v.alias}.${v.input.col(right)}`);
      return `JOIN ${v.input.rows} AS ${v.alias} ON ${on.join(" AND ")}`;
    });
    // An entry that lists several columns takes the first that is not NULL.
    const refOf = (r: string | string[]) =>
      Array.isArray(r) ? `coalesce(${r.map((x) => ref(x, "to.columns")).join(", ")})` : ref(r, "to.columns");
    const match = spec.to.columns.map((r, i) => `${refOf(r)} = ${child[i]}`);
    const inputs = [to, ...via.map((v) => v.input)].map((d) => `${d.def.name}@${shortVersion(d.version)}`);
    return {
      sql: `SELECT ${keyAnd(t, spec.columns, "c")} FROM ${t.rows} AS c
        WHERE ${child.map((c) => `${c} IS NOT NULL`).join(" AND ")}
        AND NOT EXISTS (SELECT 1 FROM ${to.rows} AS p ${joins.join(" ")} WHERE ${match.join(" AND ")})`,
      detail: `against ${inputs.join(", ")}`,
    };
  },
};
