import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../loaders/config.ts";
import { parseIsoTime } from "../loaders/iso-time.ts";

const ACCEPTED: [string, string][] = [
  ["2025-09-20", "2025-09-20T00:00:00.000Z"],
  ["2024-02-29", "2024-02-29T00:00:00.000Z"],
  ["2025-09-20T00:00", "2025-09-20T00:00:00.000Z"],
  ["2025-09-20T13:45:07", "2025-09-20T13:45:07.000Z"],
  ["2025-09-20T13:45:07.5", "2025-09-20T13:45:07.500Z"],
  ["2025-09-20T13:45:07.123456Z", "2025-09-20T13:45:07.123456Z"],
  ["2025-09-20T00:00-04:00", "2025-09-20T04:00:00.000Z"],
  ["2025-09-20T01:30+02:00", "2025-09-19T23:30:00.000Z"],
  ["0099-01-01", "0099-01-01T00:00:00.000Z"],
];

const REJECTED = [
  "2025-09-31",
  "2025-02-30",
  "2023-02-29",
  "2025-13-01",
  "2025-00-10",
  "9/20/2025",
  "Sep 20 2025",
  "1",
  "2025",
  "2025-09",
  "20250920",
  "2025-09-20 12:00",
  "2025-09-20T12",
  "2025-09-20T24:00",
  "2025-09-20T12:60",
  "2025-09-20T12:00:60",
  "2025-09-20T12:00+0200",
  "2025-09-20T12:00+24:00",
  "2025-09-20T12:00 GMT",
  " 2025-09-20",
  "",
];

describe("parseIsoTime", () => {
  it.each(ACCEPTED)("reads %s as %s", (text, utc) => {
    expect(parseIsoTime(text)).toBe(utc);
  });

  it.each(REJECTED)("rejects %j: not ISO 8601, or no such day or time", (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });

  it("reads times without an offset as UTC whatever the machine's time zone", async () => {
    const script = `const { parseIsoTime } = await import(${JSON.stringify(path.join(projectRoot, "loaders", "iso-time.ts"))});
      const offset = new Date(2025, 8, 20).getTimezoneOffset();
      console.log(JSON.stringify({ offset, parsed: ${JSON.stringify(ACCEPTED.map(([t]) => t))}.map(parseIsoTime) }));`;
    for (const TZ of ["America/New_York", "Asia/Kolkata"]) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { cwd: projectRoot, env: { ...process.env, TZ } },
      );
      const { offset, parsed } = JSON.parse(stdout) as { offset: number; parsed: string[] };
      // The child really runs in a zone other than UTC, so a local-time reading would show.
      expect(offset).not.toBe(0);
      expect(parsed).toEqual(ACCEPTED.map(([, utc]) => utc));
    }
  });
});
