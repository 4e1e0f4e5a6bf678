import { describe, expect, it } from "vitest";
import { pinnedReads, siteLoader } from "../../loaders/site/manifest.ts";

describe("pinnedReads", () => {
  const experiments = siteLoader("experiments");
  const pins = { behavioral_events: "sha256:1", experiment_protocols: "sha256:2", phase_assignments: "sha256:3" };

  it("gives the datasets a loader reads when the set pins them all", () => {
    expect(pinnedReads(experiments, "exp", pins)).toEqual([
      "behavioral_events",
      "experiment_protocols",
      "phase_assignments",
    ]);
    expect(pinnedReads(siteLoader("catalog"), "exp", { sessions: "sha256:4", ...pins })).toEqual([
      "behavioral_events",
      "experiment_protocols",
      "phase_assignments",
      "sessions",
    ]);
  });

  it("names what the set lacks, who reads it, and how to pin it", () => {
    const { behavioral_events: _, phase_assignments: __, ...partial } = pins;
    for (const [reader, said] of [
      [undefined, "experiments"],
      ["labbook analyze", "labbook analyze"],
    ]) {
      expect(() => pinnedReads(experiments, "exp", partial, reader)).toThrow(
        expect.objectContaining({
          code: "E_NOT_FOUND",
          message: `pin set "exp" does not pin behavioral_events, phase_assignments, which ${said} reads`,
          details: ['Pin them with "labbook pin exp <dataset>".'],
        }),
      );
    }
  });
});
