import { describe, expect, it } from "vitest";
import { buildTime } from "../../loaders/site/build-time.ts";

describe("buildTime", () => {
  const now = () => Date.parse("2026-03-04T05:06:07Z");

  it("is SOURCE_DATE_EPOCH when set, in seconds, and else now", () => {
    expect(buildTime({ SOURCE_DATE_EPOCH: "1767225600" }, now)).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(buildTime({ SOURCE_DATE_EPOCH: "0" }, now)).toBe(0);
    expect(buildTime({}, now)).toBe(now());
    expect(buildTime({ SOURCE_DATE_EPOCH: "" }, now)).toBe(now());
  });

  it("takes the time the build fixed for its loaders first", () => {
    const env = { LABBOOK_BUILD_TIME: "2025-07-01T00:00:00.000Z", SOURCE_DATE_EPOCH: "1767225600" };
    expect(buildTime(env, now)).toBe(Date.parse("2025-07-01T00:00:00Z"));
  });

  it("refuses a malformed SOURCE_DATE_EPOCH instead of using the clock", () => {
    for (const bad of ["1.5", "-1", "2026-01-01", "12 ", "1e9"])
      expect(() => buildTime({ SOURCE_DATE_EPOCH: bad }, now), bad).toThrow(
        expect.objectContaining({ code: "E_CONFIG", message: expect.stringContaining("SOURCE_DATE_EPOCH") }),
      );
  });
});
