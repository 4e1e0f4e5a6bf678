import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";

/**
 * FileAttachment methods whose parser Framework's client imports from `_npm/` only when a page calls them. Those
 * modules come from the npm CDN, so an offline build never has them: the page would fail in the browser with a 404.
 */
const LAZY_PARSERS: Record<string, string> = {
  csv: "d3-dsv",
  tsv: "d3-dsv",
  dsv: "d3-dsv",
  arrow: "apache-arrow",
  arquero: "arquero",
  parquet: "parquet-wasm",
  sqlite: "sql.js",
  xlsx: "exceljs",
  zip: "jszip",
};

const NPM_REF = /(?<![\w$.-])(?:\.{1,2}\/|\/)*_npm\/[^"'`\s)?#]+/g;
const LAZY_CALL = new RegExp(
  `FileAttachment\\((?:[^()]|\\([^()]*\\))*\\)\\s*\\.\\s*(${Object.keys(LAZY_PARSERS).join("|")})\\s*\\(`,
  "g",
);

/**
 * What the built pages would load that the build did not write, one line each. Only page code is read: the HTML
 * pages and their imported modules (`_import/`). Framework's own client bundles (`_observablehq/`) name every lazy
 * module they could load, needed or not.
 */
export async function missingPageDeps(outDir: string): Promise<string[]> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  const files = entries
    .map((e) => path.relative(outDir, path.join(e.parentPath, e.name)))
    .filter((f) => f.endsWith(".html") || (f.startsWith(`_import${path.sep}`) && f.endsWith(".js")))
    .sort();
  const problems: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(outDir, file), "utf8");
    for (const ref of new Set(text.match(NPM_REF) ?? [])) {
      const target = ref.startsWith("/") ? path.join(outDir, ref) : path.join(outDir, path.dirname(file), ref);
      if (!existsSync(target)) problems.push(`${file} imports ${ref}, which is not in the output`);
    }
    for (const [, method] of text.matchAll(LAZY_CALL)) {
      const pkg = LAZY_PARSERS[method!]!;
      if (!(await hasNpmPackage(outDir, pkg)))
        problems.push(`${file} calls FileAttachment(…).${method}(), whose parser _npm/${pkg} is not in the output`);
    }
  }
  return [...new Set(problems)];
}

async function hasNpmPackage(outDir: string, pkg: string): Promise<boolean> {
  const dir = path.join(outDir, "_npm", path.dirname(pkg));
  return existsSync(dir) && (await readdir(dir)).some((d) => d.startsWith(`${path.basename(pkg)}@`));
}

/** Fails the build when a page would ask for a module the offline site does not have. */
export async function assertPageDeps(outDir: string): Promise<void> {
  const problems = await missingPageDeps(outDir);
  if (problems.length)
    throw new LabbookError(`built pages need modules the offline build does not have: ${problems.join("; ")}`, {
      code: "E_CONFIG",
      details: [
        "Emit JSON from the data loader and read it with FileAttachment(…).json(): the browser parses JSON itself.",
        "Framework loads the CSV, Arrow, Parquet, SQLite, XLSX and zip readers from the npm CDN, which an offline site cannot reach.",
      ],
    });
}
