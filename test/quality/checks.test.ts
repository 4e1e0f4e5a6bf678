import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLabbookError } from "../../loaders/errors.ts";
import type { CheckSpec } from "../../loaders/quality/index.ts";
import { createFixture, eventRows, type Fixture } from "./_fixtures.ts";

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => {
  await f?.close();
});

const ok = eventRows(
  ["e1", "u1", "CARD", 40, "baseline_1", "2025-06-01 08:00"],
  ["e2", "u1", "CARD", 100, "baseline_1", "2025-06-02 09:00"],
  ["e3", "u2", "QUIZ", 0, null, "2025-06-02 10:00"],
);

describe("not_null", () => {
  const spec: CheckSpec = { type: "not_null", columns: ["userId", "kind"] };
  it("passes without NULLs", async () => {
    expect(await f.check(spec, ok)).toMatchObject({
      check: "not_null(userId,kind)",
      status: "pass",
      failing: 0,
      sample: [],
    });
  });
  it("fails on each row with a NULL, showing its key", async () => {
    const rows = eventRows(
      ["e1", null, "CARD", 1, null, "2025-06-01 08:00"],
      ["e2", "u1", null, 1, null, "2025-06-01 09:00"],
    );
    expect(await f.check(spec, rows)).toMatchObject({
      status: "fail",
      failing: 2,
      sample: [
        { id: "e1", userId: null, kind: "CARD" },
        { id: "e2", userId: "u1", kind: null },
      ],
    });
  });
});

describe("unique", () => {
  it("passes on distinct ids, and ignores NULLs in a compound key", async () => {
    expect((await f.check({ type: "unique", columns: ["id"] }, ok)).status).toBe("pass");
    const rows = eventRows(
      ["e1", "u1", null, 1, null, "2025-06-01 08:00"],
      ["e2", "u1", null, 1, null, "2025-06-01 09:00"],
    );
    expect((await f.check({ type: "unique", columns: ["userId", "kind"] }, rows)).status).toBe("pass");
  });
  it("fails once per duplicated value of a compound key", async () => {
    const r = await f.check(
      { type: "unique", columns: ["userId", "kind"] },
      ok.replace("'u2', 'QUIZ'", "'u1', 'CARD'"),
    );
    expect(r).toMatchObject({ status: "fail", failing: 1, sample: [{ userId: "u1", kind: "CARD", rows: 3 }] });
  });
});

describe("accepted_values", () => {
  const spec: CheckSpec = { type: "accepted_values", column: "kind", values: ["CARD", "QUIZ", "O'Brien"] };
  it("passes when every value is accepted (NULLs too)", async () => {
    expect((await f.check(spec, ok)).status).toBe("pass");
    // A value with a quote is a literal, not SQL.
    const quoted = eventRows(
      ["e1", "u1", "O'Brien", 1, null, "2025-06-01 08:00"],
      ["e2", "u1", null, 1, null, "2025-06-01 09:00"],
    );
    expect((await f.check(spec, quoted)).status).toBe("pass");
  });
  it("fails on a value outside the list", async () => {
    const rows = eventRows(
      ["e1", "u1", "CARD", 1, null, "2025-06-01 08:00"],
      ["e2", "u1", "VIDEO", 1, null, "2025-06-01 09:00"],
    );
    expect(await f.check(spec, rows)).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ id: "e2", kind: "VIDEO" }],
    });
  });
});

describe("in_range", () => {
  const spec: CheckSpec = { type: "in_range", column: "score", min: 0, max: 100 };
  it("passes on the inclusive bounds", async () => {
    expect((await f.check(spec, ok)).status).toBe("pass");
  });
  it("fails below min and above max", async () => {
    const rows = eventRows(
      ["e1", "u1", "CARD", 140, null, "2025-06-01 08:00"],
      ["e2", "u1", "CARD", 100, null, "2025-06-01 09:00"],
      ["e3", "u1", "CARD", -1, null, "2025-06-01 10:00"],
    );
    const r = await f.check(spec, rows);
    expect(r).toMatchObject({ status: "fail", failing: 2 });
    expect(r.sample.map((s) => s.score)).toEqual([140, -1]);
  });
  it("takes ISO timestamps as bounds of a time column", async () => {
    const r = await f.check({ type: "in_range", column: "ts", min: "2025-06-01T12:00:00Z" }, ok);
    expect(r).toMatchObject({ status: "fail", failing: 1, sample: [{ id: "e1", ts: "2025-06-01T08:00:00.000Z" }] });
  });
  it("refuses a bound that is not strict ISO 8601, as the ingest's --since does", async () => {
    await expect(f.check({ type: "in_range", column: "ts", min: "June 1 2025" }, ok)).rejects.toThrow(
      `bad check in_range(ts) on events: "min" must be a finite number or an ISO timestamp, got "June 1 2025"`,
    );
  });
});

describe("regex", () => {
  const spec: CheckSpec = { type: "regex", column: "label", pattern: /(baseline|intervention_[A-Z])_[0-9]+/ };
  it("passes when every value matches the whole pattern", async () => {
    expect((await f.check(spec, ok)).status).toBe("pass");
  });
  it("fails on a partial match", async () => {
    const r = await f.check(
      spec,
      ok.replace("'baseline_1', TIMESTAMPTZ '2025-06-02", "'my baseline_1', TIMESTAMPTZ '2025-06-02"),
    );
    expect(r).toMatchObject({ status: "fail", failing: 1, sample: [{ id: "e2", label: "my baseline_1" }] });
  });
});

describe("relationships", () => {
  // Each event's label must be a phase of the event's user's protocol: phases reach users through protocols.
  const spec: CheckSpec = {
    type: "relationships",
    columns: ["userId", "label"],
    to: {
      dataset: "phases",
      columns: ["protocols.userId", "label"],
      via: [{ dataset: "protocols", on: { protocolId: "id" } }],
    },
  };
  const inputs = {
    protocols: `SELECT * FROM (VALUES ('p1', 'u1', TIMESTAMPTZ '2025-06-01 00:00:00+00', NULL::TIMESTAMPTZ),
      ('p2', 'u2', TIMESTAMPTZ '2025-06-01 00:00:00+00', NULL::TIMESTAMPTZ)) AS t(id, userId, startDate, endDate)`,
    phases: `SELECT * FROM (VALUES ('f1', 'p1', 'baseline_1'), ('f2', 'p2', 'intervention_A_1')) AS t(id, protocolId, label)`,
  };
  it("passes when each label is one of the user's phases, and skips NULLs", async () => {
    expect(await f.check(spec, ok, { inputs })).toMatchObject({
      status: "pass",
      detail: expect.stringMatching(/^against phases@efefefefefef, protocols@/),
    });
  });
  it("fails on a label that exists, but for another user", async () => {
    const rows = ok.replace("'u2', 'QUIZ', 0::INTEGER, NULL", "'u2', 'QUIZ', 0::INTEGER, 'baseline_1'");
    expect(await f.check(spec, rows, { inputs })).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ id: "e3", userId: "u2", label: "baseline_1" }],
    });
  });
  it("takes the first non-NULL of a column list: a phase that names its own participant", async () => {
    // Protocol p2 is u2's, but its phase f2 belongs to participant u3 (a multiple-baseline protocol).
    const coalesced: CheckSpec = {
      ...spec,
      to: { ...(spec as { to: object }).to, columns: [["userId", "protocols.userId"], "label"] },
    } as CheckSpec;
    const phases = `SELECT * FROM (VALUES ('f1', 'p1', NULL, 'baseline_1'), ('f2', 'p2', 'u3', 'intervention_A_1'))
      AS t(id, protocolId, userId, label)`;
    const participant = eventRows(
      ["e1", "u1", "CARD", 40, "baseline_1", "2025-06-01 08:00"],
      ["e3", "u3", "QUIZ", 0, "intervention_A_1", "2025-06-02 10:00"],
    );
    expect(await f.check(coalesced, participant, { inputs: { ...inputs, phases } })).toMatchObject({ status: "pass" });
    const owner = eventRows(["e3", "u2", "QUIZ", 0, "intervention_A_1", "2025-06-02 10:00"]);
    expect(await f.check(coalesced, owner, { inputs: { ...inputs, phases } })).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ id: "e3", userId: "u2", label: "intervention_A_1" }],
    });
  });
  it("is skipped when a referenced dataset has no version", async () => {
    expect(await f.check(spec, ok, { inputs: { phases: inputs.phases } })).toMatchObject({
      status: "skipped",
      detail: "no version of protocols to check against in the local store",
    });
  });
});

describe("row_count_between", () => {
  it("passes inside the bounds", async () => {
    expect((await f.check({ type: "row_count_between", min: 1, max: 3 }, ok)).status).toBe("pass");
  });
  it("fails outside, with the count", async () => {
    expect(await f.check({ type: "row_count_between", min: 1 }, eventRows())).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ rowCount: 0 }],
    });
    expect((await f.check({ type: "row_count_between", max: 2 }, ok)).sample).toEqual([{ rowCount: 3 }]);
  });
});

describe("freshness", () => {
  // The newest event is 2025-06-02 10:00.
  it("against the injected clock", async () => {
    const spec: CheckSpec = { type: "freshness", column: "ts", maxAge: "1d", reference: "now" };
    expect((await f.check(spec, ok, { now: "2025-06-03T09:00:00Z" })).status).toBe("pass");
    expect(await f.check(spec, ok, { now: "2025-06-03T11:00:00Z" })).toMatchObject({
      status: "fail",
      sample: [{ newest: "2025-06-02T10:00:00.000Z", reference: "2025-06-03T11:00:00.000Z", age: "1 day 01:00:00" }],
    });
  });
  it("against the version's creation time", async () => {
    const spec: CheckSpec = { type: "freshness", column: "ts", maxAge: "36h", reference: "ingest" };
    expect((await f.check(spec, ok, { createdAt: "2025-06-03T22:00:00Z", now: "2030-01-01T00:00:00Z" })).status).toBe(
      "pass",
    );
    expect((await f.check(spec, ok, { createdAt: "2025-06-03T22:01:00Z" })).status).toBe("fail");
  });
  it("against the newest value of another dataset, which no clock moves", async () => {
    const spec: CheckSpec = {
      type: "freshness",
      column: "ts",
      maxAge: "2d",
      reference: { dataset: "protocols", column: "startDate" },
      severity: "warn",
    };
    const protocols = (start: string) =>
      `SELECT 'p1' AS id, 'u1' AS userId, TIMESTAMPTZ '${start}:00+00' AS startDate, NULL::TIMESTAMPTZ AS endDate`;
    expect((await f.check(spec, ok, { inputs: { protocols: protocols("2025-06-04 10:00") } })).status).toBe("pass");
    expect(await f.check(spec, ok, { inputs: { protocols: protocols("2025-06-04 10:01") } })).toMatchObject({
      status: "warn",
      severity: "warn",
      failing: 1,
    });
  });
  it("fails an empty dataset: nothing is fresh", async () => {
    const spec: CheckSpec = { type: "freshness", column: "ts", maxAge: "1w", reference: "now" };
    expect(await f.check(spec, eventRows())).toMatchObject({ status: "fail", sample: [{ newest: null }] });
  });
});

describe("no_gaps", () => {
  const spec: CheckSpec = {
    type: "no_gaps",
    column: "ts",
    by: "userId",
    within: { dataset: "protocols", key: "userId", start: "startDate", end: "endDate" },
  };
  const protocol = (start: string, end: string | null) => ({
    protocols: `SELECT 'p1' AS id, 'u1' AS userId, TIMESTAMPTZ '${start} 00:00:00+00' AS startDate,
      ${end ? `TIMESTAMPTZ '${end} 00:00:00+00'` : "NULL::TIMESTAMPTZ"} AS endDate`,
  });
  const days = (user: string, ...dates: string[]) =>
    eventRows(
      ...dates.map(
        (d, i) =>
          [`${user}${i}`, user, "CARD", 1, null, `${d} 12:00`] as [string, string, string, number, null, string],
      ),
    );
  it("passes when every day of the window [start, end) has a row", async () => {
    const rows = days("u1", "2025-06-01", "2025-06-02", "2025-06-03");
    expect((await f.check(spec, rows, { inputs: protocol("2025-06-01", "2025-06-04") })).status).toBe("pass");
  });
  it("clips windows to the checked rows' span (a filtered ingest leaves days out on purpose)", async () => {
    const rows = days("u1", "2025-06-02", "2025-06-03");
    expect((await f.check(spec, rows, { inputs: protocol("2025-05-01", null) })).status).toBe("pass");
  });
  it("fails on each missing day inside the window, and not outside it", async () => {
    const rows = eventRows(
      ["a", "u1", "CARD", 1, null, "2025-06-01 12:00"],
      ["b", "u1", "CARD", 1, null, "2025-06-04 12:00"],
      ["c", "u1", "CARD", 1, null, "2025-06-06 12:00"],
      ["d", "u2", "CARD", 1, null, "2025-06-09 12:00"],
    );
    expect(await f.check(spec, rows, { inputs: protocol("2025-06-01", "2025-06-05") })).toMatchObject({
      status: "fail",
      failing: 2,
      sample: [
        { userId: "u1", day: "2025-06-02" },
        { userId: "u1", day: "2025-06-03" },
      ],
    });
  });
  it("finds a participant's missing last days while other users go on", async () => {
    const rows = eventRows(
      ["a", "u1", "CARD", 1, null, "2025-06-01 12:00"],
      ["b", "u2", "CARD", 1, null, "2025-06-02 12:00"],
    );
    expect(await f.check(spec, rows, { inputs: protocol("2025-06-01", null) })).toMatchObject({
      status: "fail",
      sample: [{ userId: "u1", day: "2025-06-02" }],
    });
  });
  it("judges only the users the checked rows hold, so a one-user or empty selection reports no one else", async () => {
    const both = {
      protocols: `SELECT 'p' || u AS id, u AS userId, TIMESTAMPTZ '2025-06-01 00:00:00+00' AS startDate,
        TIMESTAMPTZ '2025-06-04 00:00:00+00' AS endDate FROM (VALUES ('u1'), ('u2')) AS t(u)`,
    };
    const u2 = days("u2", "2025-06-01", "2025-06-02", "2025-06-03");
    expect(await f.check(spec, u2, { inputs: both })).toMatchObject({ status: "pass", failing: 0 });
    expect(await f.check(spec, eventRows(), { inputs: both })).toMatchObject({ status: "pass", failing: 0 });
  });
  it("without a window, checks each series between its own first and last day", async () => {
    const rows = days("u1", "2025-06-01", "2025-06-03");
    expect(await f.check({ type: "no_gaps", column: "ts", by: "userId" }, rows)).toMatchObject({
      status: "fail",
      sample: [{ userId: "u1", day: "2025-06-02" }],
    });
    expect((await f.check({ type: "no_gaps", column: "ts", by: "userId" }, ok)).status).toBe("pass");
  });
});

describe("schema_unchanged", () => {
  const fields = [
    { name: "id", type: "VARCHAR" },
    { name: "userId", type: "VARCHAR" },
    { name: "kind", type: "VARCHAR" },
    { name: "score", type: "INTEGER" },
    { name: "label", type: "VARCHAR" },
    { name: "ts", type: "TIMESTAMP WITH TIME ZONE" },
  ];
  const spec: CheckSpec = { type: "schema_unchanged", severity: "warn" };
  it("passes on the same columns and types, and on a first version", async () => {
    expect((await f.check(spec, ok, { previous: fields })).status).toBe("pass");
    expect(await f.check(spec, ok)).toMatchObject({ status: "pass", detail: "first version: nothing to compare" });
  });
  it("lists added, removed and retyped columns", async () => {
    const previous = [
      ...fields.filter((c) => c.name !== "label" && c.name !== "score"),
      { name: "score", type: "BIGINT" },
      { name: "mood", type: "VARCHAR" },
    ];
    expect(await f.check(spec, ok, { previous })).toMatchObject({
      status: "warn",
      failing: 3,
      sample: [
        { column: "label", change: "added", previousType: null, type: "VARCHAR" },
        { column: "mood", change: "removed", previousType: "VARCHAR", type: null },
        { column: "score", change: "retyped", previousType: "BIGINT", type: "INTEGER" },
      ],
    });
  });
});

describe("duplicate_count", () => {
  const spec: CheckSpec = { type: "duplicate_count", columns: ["userId", "kind", "ts"], max: 1 };
  const copy = (id: string) =>
    [id, "u1", "CARD", 40, "baseline_1", "2025-06-01 08:00"] as [string, string, string, number, string, string];
  it("passes up to max extra copies", async () => {
    expect(await f.check(spec, eventRows(copy("a"), copy("b")))).toMatchObject({
      status: "pass",
      failing: 1,
      allowed: 1,
    });
  });
  it("fails above max, counting extra copies, not groups", async () => {
    expect(await f.check(spec, eventRows(copy("a"), copy("b"), copy("c")))).toMatchObject({
      status: "fail",
      failing: 2,
      allowed: 1,
      sample: [{ userId: "u1", kind: "CARD", ts: "2025-06-01T08:00:00.000Z", copies: 3 }],
    });
  });
});

describe("definitions", () => {
  const error = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    );
  it("reject a column that is not in the schema, naming the check and the dataset", async () => {
    const e = await error(f.check({ type: "not_null", columns: ["userId", 'x" OR 1=1 --'] }, ok));
    expect(isLabbookError(e, "E_CONFIG")).toBe(true);
    expect((e as Error).message).toBe(
      'bad check not_null(userId,x" OR 1=1 --) on events: unknown column "x" OR 1=1 --" of events (columns: id, userId, kind, score, label, ts)',
    );
  });
  it("reject a column of a referenced dataset that is not in its schema", async () => {
    const spec: CheckSpec = {
      type: "relationships",
      columns: ["userId"],
      to: { dataset: "protocols", columns: ["user"] },
    };
    const e = await error(f.check(spec, ok, { inputs: { protocols: "SELECT 'p' AS id" } }));
    expect((e as Error).message).toMatch(
      /^bad check relationships\(userId->protocols\) on events: unknown column "user" of protocols/,
    );
  });
  it("reject a malformed maxAge and an unknown type", async () => {
    const bad = await error(f.check({ type: "freshness", column: "ts", maxAge: "1 day", reference: "now" }, ok));
    expect((bad as Error).message).toMatch(/"maxAge" must be a whole number and a unit/);
    const unknown = await error(f.check({ type: "nonsense" } as unknown as CheckSpec, ok));
    expect((unknown as Error).message).toMatch(/unknown check type "nonsense"/);
  });
});
