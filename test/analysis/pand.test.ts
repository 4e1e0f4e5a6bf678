import { describe, expect, it } from "vitest";
import { ird, pand, pem } from "../../loaders/analysis/index.ts";
import { EST, expectNear, expectStatsError } from "./_published.ts";

const A = [20, 20, 26, 25, 22, 23];
const B = [28, 25, 24, 27, 30, 30, 29];

describe("pand, ird and pem", () => {
  it("match the SingleCaseES reference examples", () => {
    // man/PAND.Rd, man/IRD.Rd, man/PEM.Rd examples (reference/PAND.html, IRD.html, PEM.html): PAND 0.8461538,
    // IRD 0.6904762, PEM 1.
    const p = pand(A, B);
    expectNear(p.estimate, 0.8461538, EST);
    expect(p).toMatchObject({ kept: 11, total: 13 });
    expectNear(ird(A, B).estimate, 0.6904762, EST);
    expect(pem(A, B).estimate).toBe(1);
  });

  it("match the vignette's calc_ES(ES = 'NOM', improvement = 'decrease')", () => {
    // Using-SingleCaseES vignette: IRD 0.07142857, PAND 0.53846154, PEM 0.
    expectNear(ird(A, B, { direction: "decrease" }).estimate, 0.07142857, EST);
    expectNear(pand(A, B, { direction: "decrease" }).estimate, 0.53846154, EST);
    expect(pem(A, B, { direction: "decrease" }).estimate).toBe(0);
  });

  it("count ties as overlap in PAND and as one half in PEM (hand-worked)", () => {
    // A = 1, 2, 3 and B = 3, 4: the A value 3 ties the lowest B; dropping one of them keeps 4 of 5.
    expect(pand([1, 2, 3], [3, 4]).estimate).toBe(4 / 5);
    // IRD = ((m+n)²·PAND − m² − n²)/(2mn) = (25·0.8 − 9 − 4)/12.
    expectNear(ird([1, 2, 3], [3, 4]).estimate, 7 / 12, 1e-15);
    // Median of A is 2: B = 2 counts one half, 3 counts one, 1 none.
    expect(pem([1, 2, 3], [2, 3, 1]).estimate).toBe(0.5);
    // Complete overlap in the wrong direction: nothing can be kept from both phases, PAND = max(m, n)/(m + n).
    expect(pand([5, 6], [1, 2, 3]).estimate).toBe(3 / 5);
  });

  it("reject empty and non-finite phases", () => {
    expectStatsError(() => pand([], B), "pand: phase A is empty");
    expectStatsError(() => ird(A, []), "ird: phase B is empty");
    expectStatsError(() => pem(A, [1, Infinity]), "pem: phase B has a non-finite value (Infinity) at index 1");
  });
});
