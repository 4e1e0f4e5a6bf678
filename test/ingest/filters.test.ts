import { describe, expect, it } from "vitest";
import { getDataset } from "../../loaders/datasets/index.ts";
import { isLabbookError } from "../../loaders/errors.ts";
import { assertFilterable, resolveFilters } from "../../loaders/ingest/filters.ts";

const NOW = Date.parse("2025-09-30T12:00:00Z");

/** The usage error resolveFilters throws, as message and details. */
function refusal(f: Parameters<typeof resolveFilters>[0]) {
  try {
    resolveFilters(f, NOW);
  } catch (e) {
    if (isLabbookError(e, "E_USAGE")) return { message: e.message, details: e.details, exitCode: e.exitCode };
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(f)}`);
}

describe("resolveFilters", () => {
  it("binds dates as midnight UTC and offset-less times as UTC", () => {
    expect(resolveFilters({ since: "2025-09-20", until: "2025-09-21T06:30" }, NOW)).toEqual({
      since: "2025-09-20T00:00:00.000Z",
      until: "2025-09-21T06:30:00.000Z",
    });
    expect(resolveFilters({ since: "2025-09-20T00:00-04:00" }, NOW)).toEqual({ since: "2025-09-20T04:00:00.000Z" });
    expect(resolveFilters({ days: 2, userId: "u1" }, NOW)).toEqual({ since: "2025-09-28T12:00:00.000Z", userId: "u1" });
  });

  it.each([
    ["since", "2025-09-31"],
    ["since", "2025-02-30"],
    ["until", "9/20/2025"],
    ["until", "Sep 20 2025"],
    ["since", "1"],
  ] as const)("refuses --%s %s, naming the option and the value and showing accepted forms", (name, value) => {
    expect(refusal({ [name]: value })).toEqual({
      message: `--${name} takes an ISO 8601 date or timestamp, got "${value}"`,
      details: [
        "For example 2025-09-01 (midnight UTC), 2025-09-01T12:30 (UTC), 2025-09-01T12:30:00Z, 2025-09-01T14:30+02:00. " +
          "A time without an offset is UTC.",
      ],
      exitCode: 2,
    });
  });

  it("refuses an empty or inverted window", () => {
    expect(refusal({ since: "2025-09-02", until: "2025-09-02T00:00Z" }).message).toBe("--since must be before --until");
  });
});

describe("assertFilterable", () => {
  it("refuses filters on columns the source does not have", () => {
    expect(() => assertFilterable(getDataset("phase_assignments"), { userId: "" })).toThrow(
      "phase_assignments has no user column to filter on",
    );
    const window = { since: "2025-09-01T00:00:00.000Z", userId: "u1" };
    expect(() => assertFilterable(getDataset("behavioral_events"), window)).not.toThrow();
  });
});
