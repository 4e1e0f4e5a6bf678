import { Transform, type Readable } from "node:stream";
import { parse } from "csv-parse";
import { plural, type FileRecord } from "./file-record.ts";

/**
 * Reads CSV with a header row through csv-parse, streaming. A record that spans lines (a quoted newline) is reported
 * at its first line. Empty fields are null. Records csv-parse cannot read (a broken quote) come back as malformed
 * with the line where the parser noticed.
 */
export async function* readCsv(input: Readable, columns: readonly string[]): AsyncGenerator<FileRecord> {
  const skipped: FileRecord[] = [];
  const parser = input.pipe(lfOnly()).pipe(
    parse({
      info: true,
      raw: true,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }),
  );
  parser.on("skip", (e: Error & { lines?: number }) => {
    skipped.push({ line: e.lines ?? 0, error: `unreadable CSV: ${e.message}` });
  });
  let header: string[] | undefined;
  for await (const { record, raw, info } of parser as AsyncIterable<{
    record: string[];
    raw: string;
    info: { lines: number };
  }>) {
    // info.lines is where the record ends; step back over the newlines quoted inside it.
    const line = info.lines - (record.join("").match(/\n/g)?.length ?? 0);
    if (!header) {
      header = record.map((h) => h.trim());
      const unknown = header.filter((h) => !columns.includes(h));
      if (unknown.length) {
        yield {
          line,
          fatal: true,
          error: `the header names unknown column${unknown.length === 1 ? "" : "s"} ${unknown.map((h) => JSON.stringify(h)).join(", ")}; known: ${columns.join(", ")}`,
        };
        return;
      }
      continue;
    }
    if (record.length !== header.length) {
      yield { line, error: `expected ${plural(header.length, "field")}, found ${record.length}`, raw };
      continue;
    }
    const values: Record<string, string | null> = Object.fromEntries(columns.map((c) => [c, null]));
    header.forEach((h, i) => (values[h] = record[i] === "" ? null : record[i]!));
    yield { line, values };
  }
  yield* skipped;
}

/** CRLF → LF, so that csv-parse counts a quoted CRLF as one line. */
function lfOnly(): Transform {
  let pendingCr = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      let text = (pendingCr ? "\r" : "") + chunk.toString("latin1");
      pendingCr = text.endsWith("\r");
      if (pendingCr) text = text.slice(0, -1);
      done(null, Buffer.from(text.replaceAll("\r\n", "\n"), "latin1"));
    },
    flush(done) {
      done(null, pendingCr ? Buffer.from("\r") : null);
    },
  });
}
