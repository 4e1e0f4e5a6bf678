import * as Inputs from "@observablehq/inputs";
import { el } from "./dom.js";

export interface TableOptions<T> extends Inputs.TableOptions<T> {
  /** The CSV file's name, without ".csv". */
  name: string;
  /** The CSV's columns, when it should hold more than the table shows (default: the table's). */
  csvColumns?: (keyof T & string)[];
  /** A value's text in the CSV where it is not a string, number or boolean (default: JSON, empty for null). */
  csv?: Partial<Record<keyof T & string, (value: never, row: T) => string | number | null>>;
}

/**
 * A table that can be read whole: cells wrap instead of being cut off, every row is rendered (so a printout or a
 * full-page screenshot holds them all), and a "Download CSV" link writes the rows the page already has, the raw
 * values rather than their formatting, with nothing fetched. Its columns are the table's unless `csvColumns` says.
 */
export function table<T extends object>(data: T[], options: TableOptions<T>): HTMLElement {
  const { name, csv: csvFormat = {}, csvColumns, ...rest } = options;
  const columns = (rest.columns ?? columnsOf(data)) as (keyof T & string)[];
  // Inputs.table leaves a null, undefined or NaN cell empty without calling its format, so a formatted column gets
  // "" there and its format gets null: a page can then say "not computed" instead of showing nothing.
  const formats = (rest.format ?? {}) as Record<string, (value: unknown, i: number, data: T[]) => string | Node>;
  const missing = (v: unknown) => v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
  const shown = data.map((row) => {
    const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
    for (const c of Object.keys(formats)) if (missing(out[c])) out[c] = "";
    return out as T;
  });
  // A word (a date, a pseudonym, a label) is never broken inside: text wraps at its spaces only. Columns without a
  // format that hold numbers keep Inputs' own formatting.
  const textColumns = columns.filter(
    (c) => formats[c] || data.some((row) => typeof (row as Record<string, unknown>)[c] === "string"),
  );
  const format = Object.fromEntries(
    textColumns.map((c) => {
      const f = formats[c];
      return [
        c,
        (v: unknown, i: number) => {
          const out = f ? f(missing((data[i] as Record<string, unknown>)[c]) ? null : v, i, data) : v;
          return typeof out === "string" ? unbroken(out) : (out as Node);
        },
      ];
    }),
  );
  const inputs = Inputs.table(shown, {
    layout: "auto",
    ...rest,
    format: format as unknown as Inputs.TableOptions<T>["format"],
    columns,
    // Inputs.table draws 2 × rows at first and the rest on scroll; with every row drawn there is nothing to scroll.
    rows: Math.max(data.length, 1),
  });
  inputs.classList.add("labbook-table");
  // Wrapped cells are taller than Inputs' row height, which its height limit assumes: the table is as tall as it is.
  inputs.style.maxHeight = "none";
  const link = el("a", { href: "#", download: `${name}.csv`, class: "labbook-csv" }, "Download CSV");
  link.addEventListener("click", () => {
    const text = toCsv(data, csvColumns ?? columns, csvFormat as Record<string, (value: never, row: T) => unknown>);
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    link.href = url;
    // The click's default action follows this handler and reads href; the URL is released after it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
  const rowCount = `${data.length.toLocaleString("en")} row${data.length === 1 ? "" : "s"}`;
  return el("figure", { class: "labbook-table-figure" }, inputs, el("figcaption", {}, `${rowCount} · `, link));
}

/** Text whose words (up to 40 characters; longer ones may break) never break at a hyphen or anywhere else. */
function unbroken(text: string): Node {
  const out = el("span", {});
  text.split(/( +)/).forEach((part) => {
    if (part.trim() === "" || part.length > 40) out.append(part);
    else out.append(el("span", { style: "white-space: nowrap" }, part));
  });
  return out;
}

function columnsOf<T extends object>(data: T[]): string[] {
  return [...new Set(data.flatMap((row) => Object.keys(row)))];
}

/** RFC 4180 CSV: a header of column names, then one line per row; fields with a comma, quote or newline are quoted. */
export function toCsv<T extends object>(
  data: T[],
  columns: string[],
  format: Record<string, (value: never, row: T) => unknown> = {},
): string {
  const field = (value: unknown): string => {
    const text =
      value === null || value === undefined
        ? ""
        : typeof value === "string"
          ? value
          : typeof value === "number" || typeof value === "boolean"
            ? String(value)
            : value instanceof Date
              ? value.toISOString()
              : JSON.stringify(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = data.map((row) =>
    columns
      .map((c) => {
        const value = (row as Record<string, unknown>)[c];
        const f = format[c];
        return field(f ? f(value as never, row) : value);
      })
      .join(","),
  );
  return [columns.map(field).join(","), ...lines].join("\r\n") + "\r\n";
}

/** A size in bytes as "512 bytes", "12.3 KB", "4.56 MB" or "1.20 GB" (powers of 1000): never "0.00 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} byte${n === 1 ? "" : "s"}`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
