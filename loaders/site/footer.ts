import path from "node:path";
import type { GitInfo } from "../lineage/git.ts";
import { shortVersion } from "../lineage/version.ts";
import { readsOf, type SiteLoader } from "./discover.ts";
import type { SitePage } from "./pages.ts";

/** What every footer says besides the page's own datasets. */
export interface BuildFacts {
  pinSet: string;
  /** dataset → pinned version (empty before anything is pinned). */
  pins: Record<string, string>;
  git: GitInfo;
  /** ISO time of the build. */
  builtAt: string;
  /** The failing error checks a `labbook build --allow-failing-checks` published anyway. */
  failingChecks?: { dataset: string; check: string }[];
}

/**
 * The loaders a page reads: each `FileAttachment("…")` in its Markdown (a `${…}` in a template literal matches any
 * one path segment) resolved against the loaders' outputs, an archive's extracted files included.
 */
export function pageLoaders(page: Pick<SitePage, "file">, markdown: string, loaders: readonly SiteLoader[]) {
  const dir = path.posix.dirname(page.file);
  const refs = [...markdown.matchAll(/FileAttachment\(\s*(["'`])((?:(?!\1).)*)\1\s*\)/g)].map((m) => {
    const ref = m[2]!;
    return ref.startsWith("/") ? ref.slice(1) : path.posix.normalize(path.posix.join(dir, ref));
  });
  return loaders.filter((l) => {
    const target = l.file.replace(/\.[^.]+$/, "");
    const archive = /\.(zip|tar|tgz|tar\.gz)$/.exec(target);
    const outputs = [
      pattern(target, /\[[^\]/]+\]/g),
      ...(archive ? [`${pattern(target.slice(0, -archive[0].length), /\[[^\]/]+\]/g)}/.+`] : []),
    ];
    return refs.some((ref) => {
      const sample = ref.replace(/\$\{[^}]*\}/g, "x");
      const wanted = new RegExp(`^${pattern(ref, /\$\{[^}]*\}/g)}$`);
      return outputs.some((o) => new RegExp(`^${o}$`).test(sample)) || wanted.test(target.replace(/\[[^\]/]+\]/g, "x"));
    });
  });
}

/** A path as a regular expression in which each `holes` match stands for one path segment. */
const pattern = (text: string, holes: RegExp) =>
  text
    .split(holes)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]+");

/**
 * The provenance footer of a page: the pin set, the pinned version of each dataset its loaders read (short hash,
 * linking to the lineage page), the git commit and the build time. Plain HTML, rendered once at build time.
 */
export function footerHtml(page: Pick<SitePage, "path">, loaders: readonly SiteLoader[], facts: BuildFacts): string {
  const datasets = [...new Set(loaders.flatMap((l) => readsOf(l, facts.pins)))].sort();
  const lineage = path.posix.relative(path.posix.dirname(`${page.path}x`), "/lineage") || "lineage";
  const items = datasets.map((d) => {
    const v = facts.pins[d];
    if (!v) return `<li>${esc(d)}: not pinned</li>`;
    return (
      `<li data-dataset="${esc(d)}" data-version="${esc(v)}">${esc(d)} ` +
      `<a href="${esc(`${lineage.startsWith(".") ? lineage : `./${lineage}`}#${d}`)}" title="${esc(v)}"><code>${esc(shortVersion(v))}</code></a></li>`
    );
  });
  const { git } = facts;
  const commit = git.commit
    ? `<code title="${esc(git.commit)}">${esc(git.commit.slice(0, 10))}</code>`
    : "<span>not in a git repository</span>";
  const data = datasets.length
    ? `<p>Data: pin set <code>${esc(facts.pinSet)}</code>, built from these versions:</p><ul>${items.join("")}</ul>`
    : `<p>Data: none (pin set <code>${esc(facts.pinSet)}</code>).</p>`;
  return (
    `<div class="labbook-provenance">${data}<p>Code: git ${commit}${git.branch ? ` on ${esc(git.branch)}` : ""}` +
    `${git.dirty ? " (with uncommitted changes)" : ""}. Built ${esc(facts.builtAt.slice(0, 10))} ${esc(facts.builtAt.slice(11, 16))} UTC.</p>` +
    (facts.failingChecks?.length
      ? `<p class="labbook-provenance-failing">Built with --allow-failing-checks: ${esc(
          facts.failingChecks.map((f) => `${f.dataset} ${f.check}`).join(", "),
        )} fail.</p>`
      : "") +
    "</div>"
  );
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
