/** Encodes values for PostgreSQL's COPY text format: tab-separated, \N for null, backslash escapes. */
export type CopyValue = string | number | boolean | null | undefined;

function escape(text: string): string {
  // Fast path: most values need no escaping.
  if (!/[\\\t\n\r]/.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

export function copyLine(values: readonly CopyValue[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) line += "\t";
    line += v === null || v === undefined ? "\\N" : typeof v === "string" ? escape(v) : String(v);
  }
  return line + "\n";
}

/** Milliseconds since the epoch as a timestamptz literal in UTC. */
export function pgTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "+00");
}
