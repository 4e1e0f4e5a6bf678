import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { link, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { getDataset, type DatasetDef } from "../datasets/index.ts";
import { compileSchema } from "../datasets/rules.ts";
import { quoteIdent } from "../sql-quote.ts";
import { LabbookError, usageError } from "../errors.ts";

/** A page name: lower-case words with dashes, optionally in folders ("sleep", "studies/sleep-2025"). */
const PAGE_NAME = /^[a-z0-9][a-z0-9-]{0,62}(\/[a-z0-9][a-z0-9-]{0,62}){0,3}$/;

export interface NewPage {
  /** The two files written, relative to the project root. */
  files: string[];
}

/**
 * Writes a report page and its SQL loader, `src/<name>.md` and `src/<name>.json.sql`: a weekly (or per-category)
 * count over `dataset`, a Plot chart and a table. The build derives the rest (sidebar, footer, re-runs). Never
 * overwrites: if either file exists, nothing is written.
 */
export async function newPage(root: string, name: string, dataset = "behavioral_events"): Promise<NewPage> {
  if (!PAGE_NAME.test(name))
    throw usageError(`labbook new page: "${name}" is not a page name`, [
      'Use lower-case letters, digits and dashes, optionally in folders: "sleep" or "studies/sleep-2025".',
    ]);
  const def = getDataset(dataset);
  const base = path.join(root, "src", name);
  const files = [`${base}.json.sql`, `${base}.md`];
  const existing = files.filter((f) => existsSync(f));
  if (existing.length)
    throw new LabbookError(
      `labbook new page: ${existing.map((f) => path.relative(root, f)).join(" and ")} ${existing.length > 1 ? "exist" : "exists"}`,
      {
        code: "E_USAGE",
        details: ["Choose another name, or edit the existing page."],
      },
    );
  const query = aggregate(def);
  const title = path
    .basename(name)
    .replace(/-/g, " ")
    .replace(/^./, (c) => c.toUpperCase());
  await mkdir(path.dirname(base), { recursive: true });
  const written: string[] = [];
  try {
    for (const [file, text] of [
      [files[0]!, query.sql],
      [files[1]!, page(title, path.basename(name), def, query, componentsPath(name))],
    ] as const) {
      await create(file, text);
      written.push(file);
    }
  } catch (e) {
    for (const f of written) await rm(f, { force: true });
    throw e;
  }
  return { files: files.map((f) => path.relative(root, f)) };
}

/** Writes a new file through a temp file; link() refuses an existing target, so a file made meanwhile is kept. */
async function create(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, text);
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST")
      throw new LabbookError(`labbook new page: ${path.basename(file)} exists`, { code: "E_USAGE" });
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

interface Aggregate {
  sql: string;
  /** The column on the x axis and whether it is a date. */
  x: string;
  time: boolean;
  /** A category column that colours the bars, if any. */
  fill: string | null;
}

/** Weekly counts by the first category column when the dataset has a time column; else counts per category. */
function aggregate(def: DatasetDef): Aggregate {
  const columns = compileSchema(def.schema);
  const time = def.source?.timeColumn ?? columns.find((c) => c.duckdbType === "TIMESTAMPTZ")?.name;
  const category = columns.find((c) => isEnum(def.schema.shape[c.name]))?.name;
  const from = `FROM ${def.name}`;
  if (time) {
    const week = `CAST(date_trunc('week', ${quoteIdent(time)}) AS DATE)`;
    const by = category ? `, ${quoteIdent(category)}` : "";
    return {
      sql:
        `-- ${def.name} per week (weeks start on Monday)${category ? ` and ${category}` : ""}: counts, never raw rows.\n` +
        `SELECT ${week} AS week${by}, count(*) AS n\n${from}\nGROUP BY ALL\nORDER BY week${by}\n`,
      x: "week",
      time: true,
      fill: category ?? null,
    };
  }
  const key = category ?? def.primaryKey[0]!;
  return {
    sql: `-- ${def.name}: rows per ${key}, the 50 largest.\nSELECT ${quoteIdent(key)}, count(*) AS n\n${from}\nGROUP BY ALL\nORDER BY n DESC, ${quoteIdent(key)}\nLIMIT 50\n`,
    x: key,
    time: false,
    fill: null,
  };
}

type ZodDef = { _zod: { def: { type: string; innerType?: unknown } } };

/** Whether a column is a z.enum (nullable or not): a category worth colouring by. */
function isEnum(schema: unknown): boolean {
  const def = (schema as ZodDef)._zod.def;
  return def.type === "enum" || (def.type === "nullable" && isEnum(def.innerType));
}

/** src/components as a page at src/<name>.md imports it. */
function componentsPath(name: string): string {
  const depth = name.split(/[\\/]/).length - 1;
  return depth ? `${"../".repeat(depth)}components` : "./components";
}

function page(title: string, base: string, def: DatasetDef, q: Aggregate, components: string): string {
  const mark = q.time
    ? `Plot.rectY(rows, {x: (d) => new Date(d.${q.x}), interval: "monday", y: "n"${q.fill ? `, fill: "${q.fill}"` : ""}, tip: true})`
    : `Plot.barY(rows, {x: "${q.x}", y: "n", sort: {x: "-y"}, tip: true})`;
  return `---
title: ${title}
---

# ${title}

What this page shows, in a sentence or two: the pinned \`${def.name}\`, ${q.time ? "week by week" : `by ${q.x}`}.

\`\`\`js
import * as Plot from "@observablehq/plot";
import {table} from "${components}/table.js";

// The rows of ${base}.json.sql, the query beside this page, run by the build at the pinned versions.
const rows = FileAttachment("${base}.json").json();
\`\`\`

\`\`\`js
display(
  Plot.plot({
    width,
    height: 300,
    ${q.time ? 'x: {type: "utc", label: null},' : `x: {label: "${q.x}"},`}
    y: {label: "rows", grid: true},${q.fill ? "\n    color: {legend: true}," : ""}
    marks: [${mark}, Plot.ruleY([0])],
  })
);
\`\`\`

\`\`\`js
// Cells wrap, every row is drawn, and "Download CSV" saves the rows as they are.
display(table(rows, {name: "${base}"}));
\`\`\`
`;
}
