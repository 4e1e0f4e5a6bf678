import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckSpec } from "../../loaders/quality/index.ts";
import { createFixture, eventRows, type Fixture } from "./_fixtures.ts";

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => {
  await f?.close();
});

/** `n` events e0…, hourly, with a score, a kind and a label drawn from the row number; `where` filters them. */
const events = (
  n: number,
  score = "i % 100",
  kind = "CASE WHEN i % 2 = 0 THEN 'CARD' ELSE 'QUIZ' END",
  where = "true",
  label = "NULL::VARCHAR",
) =>
  `SELECT 'e' || lpad(CAST(i AS VARCHAR), 6, '0') AS id, CASE WHEN i % 10 = 0 THEN NULL ELSE 'u1' END AS userId,
     ${kind} AS kind, CAST(${score} AS INTEGER) AS score, ${label} AS label,
     TIMESTAMPTZ '2025-06-01 00:00:00+00' + i * INTERVAL 1 HOUR AS ts
   FROM range(${n}) AS t(i) WHERE ${where}`;

describe("row_count_change", () => {
  const spec: CheckSpec = { type: "row_count_change", max: "20%" };
  it("passes a change up to the limit, both ways", async () => {
    expect(await f.check(spec, events(120), { baseline: events(100) })).toMatchObject({
      status: "pass",
      failing: 0,
      against: `sha256:${"12".repeat(32)}`,
      detail: "row count against 121212121212: at most ±20%",
    });
    expect((await f.check(spec, events(80), { baseline: events(100) })).status).toBe("pass");
  });
  it("fails beyond it, with both counts", async () => {
    expect(await f.check(spec, events(121), { baseline: events(100) })).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ rows: 121, previousRows: 100, changePercent: 21 }],
    });
    expect((await f.check(spec, events(79), { baseline: events(100) })).status).toBe("fail");
  });
  it("takes a count, and passes a first version", async () => {
    expect((await f.check({ type: "row_count_change", max: "5" }, events(106), { baseline: events(100) })).status).toBe(
      "fail",
    );
    expect(await f.check(spec, events(10))).toMatchObject({
      status: "pass",
      detail: "first version: nothing to compare",
    });
  });
});

describe("null_rate_change", () => {
  const spec: CheckSpec = { type: "null_rate_change", columns: ["userId", "label"], max: "5%" };
  it("passes when the NULL share holds", async () => {
    expect((await f.check(spec, events(200), { baseline: events(100) })).status).toBe("pass");
  });
  it("fails on a column whose NULL share moved more than 5 points", async () => {
    const more = events(100).replace("i % 10 = 0", "i % 10 < 2");
    expect(await f.check(spec, more, { baseline: events(100) })).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ column: "userId", nullPercent: 20, previousNullPercent: 10 }],
    });
  });
});

describe("distribution_shift", () => {
  it("PSI matches a published worked example", async () => {
    // GeeksforGeeks, "Population Stability Index (PSI)" (2025): expected shares 0.4, 0.3, 0.3, observed 0.35, 0.25,
    // 0.4 give PSI = 0.0446. Here the compared version's deciles cut at 1, 2 and 3, so the bins are those shares.
    const values = (counts: [number, number][]) =>
      events(
        counts.reduce((a, [, n]) => a + n, 0),
        `CASE ${counts
          .map((_, k) => `WHEN i < ${counts.slice(0, k + 1).reduce((a, [, n]) => a + n, 0)} THEN ${counts[k]![0]}`)
          .join(" ")} END`,
      );
    const expected = values([
      [1, 4],
      [2, 3],
      [3, 3],
    ]);
    const observed = values([
      [1, 7],
      [2, 5],
      [3, 8],
    ]);
    const r = await f.check({ type: "distribution_shift", column: "score", method: "psi", max: 0.04 }, observed, {
      baseline: expected,
    });
    expect(r.status).toBe("fail");
    expect(r.sample[0]!.psi).toBeCloseTo(0.0446, 4);
    expect(r.sample[0]).toMatchObject({ bins: 3, rows: 20, previousRows: 10 });
    const pass = await f.check({ type: "distribution_shift", column: "score", method: "psi", max: 0.045 }, observed, {
      baseline: expected,
    });
    expect(pass).toMatchObject({ status: "pass", detail: "PSI of score against 121212121212: at most 0.045" });
  });
  it("PSI passes a resampled copy and fails a shifted one", async () => {
    const spec: CheckSpec = { type: "distribution_shift", column: "score", method: "psi" };
    expect((await f.check(spec, events(2000), { baseline: events(1000) })).status).toBe("pass");
    const shifted = await f.check(spec, events(1000, "(i % 100) + 30"), { baseline: events(1000) });
    expect(shifted.status).toBe("fail");
    expect(shifted.sample[0]!.psi as number).toBeGreaterThan(0.25);
  });
  it("KS D is the largest gap between the empirical distribution functions", async () => {
    // By hand (Smirnov's D = sup |F − G|): checked 0..9, compared 3..12: at x = 2, F = 0.3 and G = 0, D = 0.3.
    const spec: CheckSpec = { type: "distribution_shift", column: "score", method: "ks", max: 0.25 };
    const r = await f.check(spec, events(10, "i"), { baseline: events(10, "i + 3") });
    expect(r).toMatchObject({ status: "fail", sample: [{ ks: 0.3, rows: 10, previousRows: 10 }] });
    expect((await f.check({ ...spec, max: 0.3 }, events(10, "i"), { baseline: events(10, "i + 3") })).status).toBe(
      "pass",
    );
    expect((await f.check({ ...spec, max: 0.1 }, events(400, "i % 100"), { baseline: events(200) })).status).toBe(
      "pass",
    );
  });
});

describe("category_shift", () => {
  const spec: CheckSpec = { type: "category_shift", column: "kind" };
  it("passes the same categories in other numbers", async () => {
    expect((await f.check(spec, events(300), { baseline: events(100) })).status).toBe("pass");
  });
  it("fails on a new and a vanished category", async () => {
    const kinds = "CASE WHEN i % 2 = 0 THEN 'CARD' ELSE 'VIDEO' END";
    expect(await f.check(spec, events(100, "i", kinds), { baseline: events(100) })).toMatchObject({
      status: "fail",
      failing: 2,
      sample: [
        { value: "QUIZ", change: "vanished", sharePercent: 0, previousSharePercent: 50 },
        { value: "VIDEO", change: "new", sharePercent: 50, previousSharePercent: 0 },
      ],
    });
  });
  it("with maxShareChange, fails a share that moved too far", async () => {
    const skewed = events(100, "i", "CASE WHEN i % 4 = 0 THEN 'QUIZ' ELSE 'CARD' END");
    expect((await f.check(spec, skewed, { baseline: events(100) })).status).toBe("pass");
    expect(await f.check({ ...spec, maxShareChange: "10%" }, skewed, { baseline: events(100) })).toMatchObject({
      status: "fail",
      failing: 2,
      sample: [{ value: "CARD", change: "shifted", sharePercent: 75 }, { value: "QUIZ" }],
    });
  });
});

describe("settled_rows_changed", () => {
  // Events hourly from 2025-06-01; created 2025-06-10: with olderThan 7d, rows before 2025-06-03 are settled.
  const spec: CheckSpec = { type: "settled_rows_changed", column: "ts", olderThan: "7d" };
  const at = { createdAt: "2025-06-10T00:00:00Z" };
  it("passes when only recent rows change, are deleted or added", async () => {
    const recent = events(120, "CASE WHEN i >= 100 THEN 7 ELSE i % 100 END", undefined, "i <> 110");
    expect(await f.check(spec, recent, { ...at, baseline: events(115) })).toMatchObject({ status: "pass", failing: 0 });
  });
  it("fails on each settled row changed or deleted, by primary key, and on added ones when asked", async () => {
    const edited = events(100, "CASE WHEN i = 5 THEN 99 ELSE i % 100 END", undefined, "i <> 7");
    expect(await f.check(spec, edited, { ...at, baseline: events(100) })).toMatchObject({
      status: "fail",
      failing: 2,
      sample: [
        { id: "e000005", change: "changed", ts: "2025-06-01T05:00:00.000Z" },
        { id: "e000007", change: "deleted", ts: "2025-06-01T07:00:00.000Z" },
      ],
    });
    const late = events(100);
    const before = events(100, undefined, undefined, "i <> 3");
    expect((await f.check(spec, late, { ...at, baseline: before })).status).toBe("pass");
    expect(await f.check({ ...spec, added: true }, late, { ...at, baseline: before })).toMatchObject({
      status: "fail",
      sample: [{ id: "e000003", change: "added" }],
    });
  });
  it("reads the settled range from the newest row with reference newest", async () => {
    // Newest row is 2025-06-05 03:00 (i = 99): settled before 2025-06-04 03:00, so i = 60 (06-03 12:00) is settled.
    const edited = events(100, "CASE WHEN i = 60 THEN 1000 WHEN i = 90 THEN 1000 ELSE i % 100 END");
    expect(
      await f.check({ ...spec, olderThan: "1d", reference: "newest" }, edited, { ...at, baseline: events(100) }),
    ).toMatchObject({ status: "fail", failing: 1, sample: [{ id: "e000060", change: "changed" }] });
  });
  it("finds exactly the planted changes in a million rows within 128 MB, without spilling", async () => {
    // A full outer join of both versions on the key does not fit here; the rows of the days whose digests differ do.
    const small = await createFixture({ memoryLimit: "128MB", spill: false });
    try {
      // Hourly rows with a 50-character label; created 2139-05-27, so i >= 999,000 (from 2139-05-20) is not settled.
      const label = (edit: string) => `CASE WHEN ${edit} THEN 'edited' ELSE repeat('x', 44) || i END`;
      const current = events(
        1_000_000,
        "CASE WHEN i IN (5, 999500) THEN -1 ELSE i % 100 END",
        undefined,
        "i NOT IN (7, 123456, 999600)",
        label("i = 654321"),
      );
      const previous = events(1_000_000, undefined, undefined, "i <> 800000", label("false"));
      const r = await small.check({ ...spec, added: true }, current, {
        createdAt: "2139-05-27T00:00:00Z",
        baseline: previous,
      });
      expect(r).toMatchObject({
        status: "fail",
        failing: 5,
        sample: [
          { id: "e000005", change: "changed", ts: "2025-06-01T05:00:00.000Z" },
          { id: "e000007", change: "deleted", ts: "2025-06-01T07:00:00.000Z" },
          { id: "e123456", change: "deleted", ts: "2039-07-02T00:00:00.000Z" },
          { id: "e654321", change: "changed", ts: "2100-01-22T09:00:00.000Z" },
          { id: "e800000", change: "added", ts: "2116-09-05T08:00:00.000Z" },
        ],
      });
    } finally {
      await small.close();
    }
  });
  it("finds the same rows when the versions share objects, as partitioned versions share unchanged partitions", async () => {
    // By day: 2025-06-01 (i < 24) is each version's own object; the other days are objects both versions read.
    const day = (select: string, where: string) => `SELECT * FROM (${select}) WHERE ${where}`;
    const first = "ts < TIMESTAMPTZ '2025-06-02 00:00:00+00'";
    const rest = "ts >= TIMESTAMPTZ '2025-06-02 00:00:00+00'";
    const edited = events(100, "CASE WHEN i = 5 THEN 99 ELSE i % 100 END", undefined, "i <> 7");
    const whole = await f.check({ ...spec, added: true }, edited, { ...at, baseline: events(100) });
    expect(whole).toMatchObject({ status: "fail", failing: 2 });
    const parts = await f.check({ ...spec, added: true }, day(edited, first), {
      ...at,
      baseline: day(events(100), first),
      shared: [day(events(100), rest)],
    });
    expect(parts).toEqual(whole);
    // A settled row moved to a recent day: each version's own object holds the first day and the last (hours 96-99).
    const ends = "(ts < TIMESTAMPTZ '2025-06-02 00:00:00+00' OR ts >= TIMESTAMPTZ '2025-06-05 00:00:00+00')";
    const middle = `NOT ${ends}`;
    const moved = `SELECT * REPLACE (CASE WHEN id = 'e000005' THEN TIMESTAMPTZ '2025-06-05 02:30:00+00' ELSE ts END AS ts)
      FROM (${events(100)})`;
    const movedWhole = await f.check({ ...spec, added: true }, moved, { ...at, baseline: events(100) });
    expect(movedWhole).toMatchObject({ status: "fail", failing: 1, sample: [{ id: "e000005", change: "changed" }] });
    expect(
      await f.check({ ...spec, added: true }, day(moved, ends), {
        ...at,
        baseline: day(events(100), ends),
        shared: [day(events(100), middle)],
      }),
    ).toEqual(movedWhole);
    // Nothing but shared objects and identical own ones: nothing changed.
    expect(
      await f.check(spec, day(events(100), first), {
        ...at,
        baseline: day(events(100), first),
        shared: [day(events(100), rest)],
      }),
    ).toMatchObject({ status: "pass", failing: 0 });
  });
  it("matches a row whose time moved by its key: changed where it was settled, nothing where it was not", async () => {
    const moved = (to: Record<string, string>) =>
      `SELECT * REPLACE (CASE ${Object.entries(to)
        .map(([id, ts]) => `WHEN id = '${id}' THEN TIMESTAMPTZ '${ts}:00+00'`)
        .join(" ")} ELSE ts END AS ts) FROM (${events(100)})`;
    // e000005 to a recent day, e000006 to another settled day, e000090 (recent) back into the settled range.
    const current = moved({ e000005: "2025-06-09 00:00", e000006: "2025-06-02 05:00", e000090: "2025-06-02 03:00" });
    expect(await f.check({ ...spec, added: true }, current, { ...at, baseline: events(100) })).toMatchObject({
      status: "fail",
      failing: 2,
      sample: [
        { id: "e000005", change: "changed", ts: "2025-06-01T05:00:00.000Z" },
        { id: "e000006", change: "changed", ts: "2025-06-01T06:00:00.000Z" },
      ],
    });
  });
  it("compares values, not their hashes, when the compared version stores a column as another type", async () => {
    // -1 as INTEGER and 4294967295 as UINTEGER hash alike; every other score hashes as it did.
    const current = events(100, "CASE WHEN i = 5 THEN -1 ELSE i % 100 END");
    const wider = `SELECT * REPLACE (CAST(CASE WHEN id = 'e000005' THEN 4294967295 ELSE score END AS UINTEGER) AS score)
      FROM (${events(100)})`;
    expect(await f.check(spec, current, { ...at, baseline: wider })).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ id: "e000005", change: "changed" }],
    });
  });
  it("compares the columns both versions have, and is skipped when the compared version lacks the time", async () => {
    const edited = events(100, "CASE WHEN i = 5 THEN 99 ELSE i % 100 END", undefined, "true", "'new'");
    const withoutLabel = `SELECT * EXCLUDE (label) FROM (${events(100)})`;
    expect(await f.check(spec, edited, { ...at, baseline: withoutLabel })).toMatchObject({
      status: "fail",
      failing: 1,
      detail:
        "rows with ts older than 7d before the version's creation unchanged against 121212121212; " +
        "label not compared: the compared version lacks it",
      sample: [{ id: "e000005", change: "changed" }],
    });
    expect(
      await f.check(spec, edited, { ...at, baseline: `SELECT * EXCLUDE (ts) FROM (${events(100)})` }),
    ).toMatchObject({ status: "skipped", failing: 0, detail: "column ts is not in the compared version 121212121212" });
  });
  it("takes a percentage threshold: it counts rows", async () => {
    const edited = events(100, "CASE WHEN i = 5 THEN 99 ELSE i % 100 END");
    expect(await f.check({ ...spec, errorIf: ">2%" }, edited, { ...at, baseline: events(100) })).toMatchObject({
      status: "warn",
      failing: 1,
      errorIf: ">2%",
      warnIf: ">0",
    });
  });
});

describe("drift checks and schema changes", () => {
  it("are skipped, saying why, when the compared version lacks the column", async () => {
    const old = `SELECT * EXCLUDE (label) FROM (${eventRows(["e1", "u1", "CARD", 1, null, "2025-06-01 08:00"])})`;
    const r = await f.check({ type: "null_rate_change", columns: ["label"], max: "1%" }, events(10), {
      baseline: old,
    });
    expect(r).toMatchObject({
      status: "skipped",
      detail: "column label is not in the compared version 121212121212",
      against: `sha256:${"12".repeat(32)}`,
    });
  });
});
