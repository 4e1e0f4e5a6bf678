/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; null and undefined are empty. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header line and one line per row, for small results printed to stdout (exports go through DuckDB instead). */
export function csvText(columns: string[], rows: Record<string, unknown>[]): string {
  return [columns, ...rows.map((r) => columns.map((c) => r[c]))].map((r) => r.map(csvField).join(",")).join("\n");
}
