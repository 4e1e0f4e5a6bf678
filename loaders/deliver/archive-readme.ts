import type { GitInfo } from "../lineage/git.ts";
import { shortVersion } from "../lineage/version.ts";

export interface ReadmeInput {
  pinSet: string;
  createdAt: string;
  labbookVersion: string;
  git: GitInfo;
  datasets: { dataset: string; version: string; rowCount: number; size: number; job: string; object: string }[];
  quality: {
    /** The quality_results versions the summary comes from; `pinned` when the set pins it. */
    versions: { version: string; pinned: boolean }[];
    /** Per pinned dataset, its checks' outcomes and the quality_results version they come from. */
    summary: { dataset: string; pass: number; warn: number; fail: number; results: string }[];
    /** Pinned datasets that no stored quality_results version checked. */
    unchecked: string[];
  } | null;
  site: boolean;
}

/** The README.md of an experiment archive: what it holds, where it came from, and how to check and reproduce it. */
export function archiveReadme(a: ReadmeInput): string {
  const commit = a.git.commit ?? "(no commit: not a git repository)";
  const lines = [
    `# Experiment archive: pin set "${a.pinSet}"`,
    "",
    `Created ${a.createdAt} by labbook ${a.labbookVersion} at git commit ${commit}` +
      (a.git.branch ? ` (branch ${a.git.branch}${a.git.dirty ? ", with uncommitted changes" : ""})` : "") +
      ".",
    "",
    "## Versions",
    "",
    "| dataset | version | rows | bytes | made by |",
    "| --- | --- | ---: | ---: | --- |",
    ...a.datasets.map((d) => `| ${d.dataset} | \`${d.version}\` | ${d.rowCount} | ${d.size} | ${d.job} |`),
    "",
  ];
  if (a.quality) {
    lines.push(
      "## Quality results",
      "",
      a.quality.versions.some((v) => v.pinned)
        ? `From \`quality_results@${shortVersion(a.quality.versions[0]!.version)}\`, pinned in this set.`
        : "Not pinned: for each dataset, the newest results that checked its pinned version.",
      "",
      "| dataset | pass | warn | fail | from |",
      "| --- | ---: | ---: | ---: | --- |",
      ...a.quality.summary.map(
        (q) => `| ${q.dataset} | ${q.pass} | ${q.warn} | ${q.fail} | \`quality_results@${shortVersion(q.results)}\` |`,
      ),
      ...a.quality.unchecked.map((d) => `| ${d} | – | – | – | not checked |`),
      "",
    );
  }
  lines.push(
    "## Contents",
    "",
    "- `data/objects/<2 hex>/<sha256>.parquet`: the Parquet objects. Each file is named by the sha256 of its bytes.",
    "  A version made of partitions is `data/objects/<2 hex>/<sha256>.json`, a manifest named alike that lists the",
    "  objects of its partitions (read them together as one table).",
    "- `lineage/<dataset>/<sha256>.json`: how each version was made (OpenLineage RunEvents).",
    `- \`lineage/pins.json\`: the pin set "${a.pinSet}".`,
    ...(a.site ? ["- `site/`: the built report site; open `site/index.html`."] : []),
    "- `manifest.json`: the sha256 of every other file.",
    "",
    "## Check it",
    "",
    "```sh",
    "labbook archive --verify <this zip>",
    "```",
    "",
    "Without labbook: `sha256sum` of each object must equal its file name, and of every other file the value in",
    "`manifest.json`.",
    "",
    "## Reproduce",
    "",
    "```sh",
    "unzip <this zip> -d archive",
    `git checkout ${a.git.commit ?? "<commit>"}   # in the labbook repository`,
    "export LABBOOK_DATA_DIR=$PWD/archive/data LABBOOK_LINEAGE_DIR=$PWD/archive/lineage",
    "labbook verify",
    `labbook sql --pins ${a.pinSet} "SELECT count(*) FROM ${a.datasets[0]?.dataset ?? "<dataset>"}"`,
    `LABBOOK_PINS=${a.pinSet} npm run build   # the report site, from exactly these bytes`,
    "```",
    "",
    'Any Parquet reader works on the objects directly, e.g. `pandas.read_parquet("data/objects/ab/ab….parquet")`.',
    "",
  );
  return lines.join("\n");
}
