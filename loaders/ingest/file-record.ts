/** One record of a log file, as read: raw text per column, or why the line could not be read. */
export interface FileRecord {
  /** 1-based line where the record starts. */
  line: number;
  /** Column → raw text; null when absent or empty. Undefined for a malformed line. */
  values?: Record<string, string | null>;
  /** Why the line is malformed. */
  error?: string;
  /** The line as read, kept for a malformed line so nothing read is lost. */
  raw?: string;
  /** The file as a whole cannot be read (e.g. a CSV header naming unknown columns). */
  fatal?: boolean;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
