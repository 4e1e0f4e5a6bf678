/** Forms `parseIsoTime` accepts, for messages. */
export const ISO_TIME_EXAMPLES =
  "2025-09-01 (midnight UTC), 2025-09-01T12:30 (UTC), 2025-09-01T12:30:00Z, 2025-09-01T14:30+02:00";

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):(\d{2}))?)?$/;

/**
 * An ISO 8601 date (YYYY-MM-DD, midnight UTC) or date-time (seconds, fraction and `Z` or ±HH:MM offset optional) as
 * the UTC timestamp it names, e.g. "2025-09-01T12:30:00.000Z"; undefined for any other text or for a day or time
 * that does not exist (2025-02-30, 24:00). A time without an offset is UTC: the machine's time zone is never read.
 */
export function parseIsoTime(text: string): string | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const n = (group: number) => Number(m[group] ?? 0);
  const [year, month, day, hour, minute, second] = [n(1), n(2) - 1, n(3), n(4), n(5), n(6)];
  const [offsetHours, offsetMinutes] = [n(9), n(10)];
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  const t = new Date(0);
  t.setUTCFullYear(year, month, day);
  // Date rolls impossible days over (2025-02-30 becomes 2025-03-02): a day that moved does not exist.
  if (t.getUTCFullYear() !== year || t.getUTCMonth() !== month || t.getUTCDate() !== day) return undefined;
  const offset = (m[8] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  t.setUTCHours(hour, minute - offset, second);
  // The fraction is kept as written, to at least milliseconds: PostgreSQL and DuckDB keep microseconds.
  return `${t.toISOString().slice(0, -5)}.${(m[7] ?? "").padEnd(3, "0")}Z`;
}
