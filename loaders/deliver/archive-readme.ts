import type { GitInfo } from "../lineage/git.ts";
import { shortVersion } from "../store/version.ts";

export interface ReadmeInput {
  pinSet: string;
  createdAt: string;
  labbookVersion: string;
  git: GitInfo;
  datasets: { dataset: string; version: string; rowCount: number; size: number; job: string; object: string }[];
  quality: {
    version: string;
    pinned: boolean;
    summary: { dataset: string; pass: number; warn: number; fail: number }[];
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
      `\`quality_results@${shortVersion(a.quality.version)}\`` +
        (a.quality.pinned
          ? " (pinned in this set)."
          : " (the newest results that checked these versions; not pinned)."),
      "",
      "| dataset | pass | warn | fail |",
      "| --- | ---: | ---: | ---: |",
      ...a.quality.summary.map((q) => `| ${q.dataset} | ${q.pass} | ${q.warn} | ${q.fail} |`),
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
