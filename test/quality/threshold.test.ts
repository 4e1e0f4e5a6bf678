import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckSpec } from "../../loaders/quality/index.ts";
import { exceeds, parseThreshold, type Threshold } from "../../loaders/quality/threshold.ts";
import { createFixture, type Fixture } from "./_fixtures.ts";

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => {
  await f?.close();
});

/** `total` events of which the first `nulls` have no userId. */
const rows = (total: number, nulls: number) =>
  `SELECT 'e' || lpad(CAST(i AS VARCHAR), 5, '0') AS id, CASE WHEN i < ${nulls} THEN NULL ELSE 'u1' END AS userId,
     'CARD' AS kind, 1::INTEGER AS score, NULL::VARCHAR AS label, TIMESTAMPTZ '2025-06-01 00:00:00+00' AS ts
   FROM range(${total}) AS t(i)`;

const t = (text: string) => parseThreshold(text) as Threshold;

describe("thresholds", () => {
  it("parse counts and percentages, and refuse anything else", () => {
    expect(parseThreshold(" >= 1.5 %")).toEqual({ text: ">=1.5%", inclusive: true, value: 1.5, percent: true });
    expect(parseThreshold(">0")).toEqual({ text: ">0", inclusive: false, value: 0, percent: false });
    expect(parseThreshold("<5")).toMatch(/^must read ">N"/);
    expect(parseThreshold(">1.5")).toBe('a count must be whole, got ">1.5"');
    expect(parseThreshold(">101%")).toBe('a percentage must be at most 100, got ">101%"');
  });

  it("compare a percentage exactly at its boundary", () => {
    expect(exceeds(t(">1%"), 10, 1000)).toBe(false);
    expect(exceeds(t(">1%"), 11, 1000)).toBe(true);
    expect(exceeds(t(">=1%"), 10, 1000)).toBe(true);
    expect(exceeds(t(">=1%"), 9, 1000)).toBe(false);
    // 0.1 + 0.2 territory: 3 of 1000 is exactly 0.3 %, not above it.
    expect(exceeds(t(">0.3%"), 3, 1000)).toBe(false);
    expect(exceeds(t(">5"), 5, 1)).toBe(false);
    expect(exceeds(t(">=5"), 5, 1)).toBe(true);
  });

  it("leave a check without thresholds as it was, and record what judged it", async () => {
    expect(await f.check({ type: "not_null", columns: ["userId"] }, rows(100, 1))).toMatchObject({
      status: "fail",
      failing: 1,
      errorIf: ">0",
      warnIf: null,
    });
    expect(await f.check({ type: "not_null", columns: ["userId"], severity: "warn" }, rows(100, 1))).toMatchObject({
      status: "warn",
      errorIf: null,
      warnIf: ">0",
    });
  });

  it("error above errorIf, warn up to it (warnIf defaults to >0), pass at 0", async () => {
    const spec: CheckSpec = { type: "not_null", columns: ["userId"], errorIf: ">1%" };
    const status = async (nulls: number) => (await f.check(spec, rows(200, nulls))).status;
    expect(await status(0)).toBe("pass");
    expect(await status(2)).toBe("warn");
    expect(await status(3)).toBe("fail");
    expect(await f.check(spec, rows(200, 3))).toMatchObject({ errorIf: ">1%", warnIf: ">0", failing: 3 });
  });

  it("take both as counts, with >= at the boundary", async () => {
    const spec: CheckSpec = { type: "not_null", columns: ["userId"], warnIf: ">=2", errorIf: ">=4" };
    const status = async (nulls: number) => (await f.check(spec, rows(10, nulls))).status;
    expect([await status(1), await status(2), await status(3), await status(4)]).toEqual([
      "pass",
      "warn",
      "warn",
      "fail",
    ]);
  });

  it("refuse a percentage on a check that does not count rows, and errorIf on a warn check", async () => {
    await expect(f.check({ type: "row_count_between", min: 1, warnIf: ">1%" }, rows(1, 0))).rejects.toThrow(
      'bad check row_count_between on events: "warnIf"/"errorIf" as a percentage of rows: row_count_between does not count rows; give a count',
    );
    await expect(
      f.check({ type: "not_null", columns: ["id"], severity: "warn", errorIf: ">0" }, rows(1, 0)),
    ).rejects.toThrow('a check of severity "warn" never errors: drop "errorIf", or the severity');
    await expect(f.check({ type: "not_null", columns: ["id"], errorIf: "many" }, rows(1, 0))).rejects.toThrow(
      '"errorIf" must read ">N", ">=N", ">P%" or ">=P%" (e.g. ">0", ">1%"), got "many"',
    );
  });
});
