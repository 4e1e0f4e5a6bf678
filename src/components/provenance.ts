import type { Provenance } from "../../loaders/site/provenance.ts";
import { el, utcTime } from "./dom.js";

export interface FooterOptions {
  /** The lineage page, relative to the page (e.g. "../lineage" from experiments/). */
  lineage?: string;
}

/**
 * The provenance footer every page ends with: the pin set, the pinned version of each dataset the page's loaders
 * read (short hash linking to its lineage), the git commit and the build time.
 */
export function provenanceFooter(p: Provenance, loaders: string[], options: FooterOptions = {}): HTMLElement {
  const lineage = options.lineage ?? "./lineage";
  const datasets = [...new Set(loaders.flatMap((name) => p.loaders[name] ?? []))].sort();
  const versions = datasets.map((dataset) => {
    const version = p.pins[dataset];
    if (!version) return el("li", {}, `${dataset}: not pinned`);
    const short = version.replace(/^sha256:/, "").slice(0, 12);
    return el(
      "li",
      { "data-dataset": dataset, "data-version": version },
      `${dataset} `,
      el("a", { href: `${lineage}#${dataset}`, title: version }, el("code", {}, short)),
    );
  });
  const commit = p.git.commit
    ? el("code", { title: p.git.commit }, p.git.commit.slice(0, 10))
    : el("span", {}, "not in a git repository");
  return el(
    "footer",
    { class: "labbook-provenance" },
    el("p", {}, "Data: pin set ", el("code", {}, p.pinSet), ", built from these versions:"),
    el("ul", {}, ...versions),
    el(
      "p",
      {},
      "Code: git ",
      commit,
      p.git.branch ? ` on ${p.git.branch}` : "",
      p.git.dirty ? " (with uncommitted changes)" : "",
      `. Built ${utcTime(p.builtAt)}.`,
    ),
    ...(p.failingChecks?.length
      ? [
          el(
            "p",
            { class: "labbook-provenance-failing" },
            `Built with --allow-failing-checks: ${p.failingChecks.map((f) => `${f.dataset} ${f.check}`).join(", ")} fail.`,
          ),
        ]
      : []),
  );
}
