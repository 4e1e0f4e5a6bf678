import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { FileRecord } from "./file-record.ts";

/**
 * Reads NDJSON (one JSON object per line) line by line, so memory stays flat and every record keeps its line number.
 * Values become text for DuckDB to type: numbers and booleans as written, objects and arrays as JSON.
 */
export async function* readNdjson(input: Readable, columns: readonly string[]): AsyncGenerator<FileRecord> {
  const known = new Set(columns);
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    const body = line === 1 ? text.replace(/^\uFEFF/, "") : text;
    if (body.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      yield { line, error: `invalid JSON: ${(e as Error).message}`, raw: body };
      continue;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      yield { line, error: "not a JSON object", raw: body };
      continue;
    }
    const fields = parsed as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !known.has(k));
    if (unknown.length) {
      yield {
        line,
        error: `unknown field${unknown.length === 1 ? "" : "s"} ${unknown.map((k) => JSON.stringify(k)).join(", ")}`,
        raw: body,
      };
      continue;
    }
    const values: Record<string, string | null> = {};
    for (const c of columns) values[c] = asText(fields[c]);
    yield { line, values };
  }
}

function asText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
