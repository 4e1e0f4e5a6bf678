import { usageError } from "../../errors.ts";
import { diffVersions, type KeyValue } from "../../store/diff.ts";
import { parseRef, shortVersion } from "../../lineage/version.ts";
import { intOption, stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";

export default defineCommand({
  name: "diff",
  usage: "<dataset>@<a> <dataset>@<b> [--key COLS] [--examples N]",
  description:
    "Compare two versions of a dataset in DuckDB: columns added, removed or retyped; row counts; rows added,\n" +
    "removed and changed, matched by the dataset's primary key, with a few example keys. Both objects must be local.",
  options: {
    key: {
      type: "string",
      valueName: "COLS",
      description: "Match rows on these comma-separated columns instead (unique, never NULL)",
    },
    examples: { type: "string", valueName: "N", description: "Example keys of each kind (default 5)" },
  },
  examples: [
    "labbook diff behavioral_events@3f2a9c1d behavioral_events@latest",
    "labbook diff phase_assignments@1a2b3c4d phase_assignments@5e6f7a8b --json",
  ],
  async run(ctx) {
    const [left, right, ...extra] = ctx.positionals;
    if (!left || !right || extra.length) throw usageError("labbook diff: give two refs, <dataset>@<a> <dataset>@<b>");
    const [a, b] = [parseRef(left), parseRef(right)];
    if (a.dataset !== b.dataset)
      throw usageError(`labbook diff: both refs must name one dataset, got ${a.dataset} and ${b.dataset}`);
    const key = stringOption(ctx.values, "key")
      ?.split(",")
      .map((k) => k.trim());
    const d = await diffVersions(ctx.config, a.dataset, a.version, b.version, {
      key,
      examples: intOption(ctx.values, "examples", 5, 0),
    });
    if (ctx.json) return printJson(ctx, d);
    const lines = [
      `${d.dataset}: ${shortVersion(d.from.version)} → ${shortVersion(d.to.version)}`,
      `rows: ${d.from.rows} → ${d.to.rows}`,
    ];
    for (const f of d.schema.added) lines.push(`column added: ${f.name} ${f.type}`);
    for (const f of d.schema.removed) lines.push(`column removed: ${f.name} ${f.type}`);
    for (const f of d.schema.retyped) lines.push(`column retyped: ${f.name} ${f.from} → ${f.to}`);
    const r = d.rows;
    lines.push(
      `by key (${d.key.join(", ")}): ${r.added} added, ${r.removed} removed, ${r.changed} changed, ${r.unchanged} unchanged`,
    );
    if (r.examples.added.length) lines.push(`  added e.g. ${show(r.examples.added)}`);
    if (r.examples.removed.length) lines.push(`  removed e.g. ${show(r.examples.removed)}`);
    if (r.examples.changed.length) lines.push(`  changed e.g. ${show(r.examples.changed)}`);
    const cols = Object.entries(r.changedColumns).map(([c, n]) => `${c} (${n})`);
    if (cols.length) lines.push(`  changed columns: ${cols.join(", ")}`);
    ctx.out(lines.join("\n"));
  },
});

const show = (keys: KeyValue[]) => keys.map((k) => (Array.isArray(k) ? `(${k.join(", ")})` : String(k))).join(", ");
