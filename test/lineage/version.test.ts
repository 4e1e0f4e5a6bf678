import { describe, expect, it } from "vitest";
import { resolveVersion, shortVersion } from "../../loaders/lineage/version.ts";

/** A version whose hex digits are `lead` then zeros. */
const v = (lead: string) => `sha256:${lead.padEnd(64, "0")}`;

describe("resolveVersion", () => {
  const known = ["aa1", "aa2", "aa3", "aa4", "aa5", "aa6", "aa7", "b1"].map(v);

  it("finds a unique prefix, and the latest when none is given", () => {
    expect(resolveVersion("d", "aa300000", known)).toBe(v("aa3"));
    expect(resolveVersion("d", undefined, known)).toBe(v("aa1"));
  });

  it("lists five versions and says how many more there are", () => {
    const first = (leads: string[]) => leads.map((l) => shortVersion(v(l))).join(", ");
    expect(() => resolveVersion("d", "ffffffff", known)).toThrow(
      expect.objectContaining({ details: [`Known: ${first(["aa1", "aa2", "aa3", "aa4", "aa5"])} and 3 more`] }),
    );
    expect(() => resolveVersion("d", "aaffffff", known)).toThrow(
      expect.objectContaining({ details: [`Close matches: ${first(["aa1", "aa2", "aa3", "aa4", "aa5"])} and 2 more`] }),
    );
    expect(() => resolveVersion("d", "b1ffffff", known)).toThrow(
      expect.objectContaining({ details: [`Close matches: ${first(["b1"])}`] }),
    );
  });
});
