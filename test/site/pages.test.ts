import { describe, expect, it } from "vitest";
import type { SiteLoader } from "../../loaders/site/discover.ts";
import { footerHtml, pageLoaders } from "../../loaders/site/footer.ts";
import { pageMeta } from "../../loaders/site/front-matter.ts";
import { scrubRecord } from "../../loaders/site/lineage.ts";
import { dynamicPaths, sidebar, type SitePage } from "../../loaders/site/pages.ts";
import type { LineageRecord } from "../../loaders/lineage/record.ts";

const V = (c: string) => `sha256:${c.repeat(64)}`;

describe("page front matter", () => {
  it("reads title, section and sidebar: false, else the first heading or the file name", () => {
    expect(pageMeta('---\ntitle: "Sleep: by mood"\nsection: Context\ntoc: false\n---\n\n# Other\n', "sleep")).toEqual({
      title: "Sleep: by mood",
      section: "Context",
      hidden: false,
    });
    expect(pageMeta("---\nsidebar: false\n---\n# Draft notes\n", "notes")).toEqual({
      title: "Draft notes",
      hidden: true,
    });
    expect(pageMeta("# ${page.name}\n", "[protocol]")).toEqual({ title: "[protocol]", hidden: false });
  });
});

describe("sidebar", () => {
  const page = (file: string, path: string, title: string, section?: string): SitePage => ({
    file,
    path,
    title,
    hidden: false,
    ...(section ? { section } : {}),
  });
  const pages = [
    page("index.md", "/", "Catalog"),
    page("quality.md", "/quality", "Quality"),
    page("events.md", "/events", "Behavioral events"),
    page("experiments/[protocol].md", "/experiments/p2", "Zinc", "Experiments"),
    page("experiments/[protocol].md", "/experiments/p1", "Alpha", "Experiments"),
    page("experiments/summary.md", "/experiments/summary", "Effect sizes", "Experiments"),
    page("experiments/index.md", "/experiments/", "All protocols", "Experiments"),
    { ...page("draft.md", "/draft", "Draft"), hidden: true },
  ];

  it("files pages under their section by name, a family after the section's other pages, the home page left out", () => {
    expect(sidebar(pages)).toEqual([
      { name: "Behavioral events", path: "/events" },
      {
        name: "Experiments",
        open: true,
        pages: [
          { name: "All protocols", path: "/experiments/" },
          { name: "Effect sizes", path: "/experiments/summary" },
          { name: "Alpha", path: "/experiments/p1" },
          { name: "Zinc", path: "/experiments/p2" },
        ],
      },
      { name: "Quality", path: "/quality" },
    ]);
    expect(dynamicPaths(pages)).toEqual(["/experiments/p2", "/experiments/p1"]);
  });
});

describe("page footers", () => {
  const loader = (file: string, reads: SiteLoader["reads"]): SiteLoader => ({ name: file, file, kind: "sql", reads });
  const loaders = [
    loader("events/per-day.json.sql", ["behavioral_events"]),
    loader("data/experiments.zip.ts", ["experiment_protocols", "phase_assignments"]),
    loader("data/catalog.json.ts", "all"),
    loader("studies/[study].json.sql", ["context_metadata"]),
  ];
  const names = (file: string, md: string) => pageLoaders({ file }, md, loaders).map((l) => l.name);

  it("finds the loaders a page's FileAttachments name, relative, absolute, templated or inside an archive", () => {
    expect(names("events.md", 'FileAttachment("events/per-day.json").json()')).toEqual(["events/per-day.json.sql"]);
    expect(names("experiments/[p].md", "FileAttachment(`../data/experiments/${observable.params.p}.json`)")).toEqual([
      "data/experiments.zip.ts",
    ]);
    expect(names("x/index.md", "FileAttachment('/data/catalog.json')")).toEqual(["data/catalog.json.ts"]);
    expect(names("studies/[study].md", "FileAttachment(`${observable.params.study}.json`)")).toEqual([
      "studies/[study].json.sql",
    ]);
    expect(names("plain.md", "No data here.")).toEqual([]);
  });

  it("lists each dataset the loaders read at its pinned version, linking to the lineage page from where it is", () => {
    const facts = {
      pinSet: "default",
      pins: { behavioral_events: V("a"), experiment_protocols: V("b"), phase_assignments: V("c") },
      git: { commit: "0123456789abcdef", branch: "main", dirty: false },
      builtAt: "2025-07-01T12:34:56.000Z",
    };
    const html = footerHtml({ path: "/experiments/p1" }, [loaders[1]!, loaders[0]!], facts);
    expect([...html.matchAll(/data-dataset="([^"]+)" data-version="([^"]+)"/g)].map((m) => [m[1], m[2]])).toEqual([
      ["behavioral_events", V("a")],
      ["experiment_protocols", V("b")],
      ["phase_assignments", V("c")],
    ]);
    expect(html).toContain(`<a href="../lineage#behavioral_events" title="${V("a")}"><code>aaaaaaaaaaaa</code></a>`);
    expect(html).toContain(
      'Code: git <code title="0123456789abcdef">0123456789</code> on main. Built 2025-07-01 12:34 UTC.',
    );
    expect(footerHtml({ path: "/events" }, [loaders[0]!], facts)).toContain('href="./lineage#behavioral_events"');
    expect(footerHtml({ path: "/" }, [], facts)).toContain("Data: none");
  });
});

describe("lineage records on the site", () => {
  it("pseudonymizes the user id an ingest was filtered by, wherever the record repeats it", () => {
    const record = {
      run: {
        facets: {
          labbook_parameters: {
            parameters: { filters: { userId: "cm0user" }, boundParameters: { "labbook.user_id": "cm0user" } },
          },
        },
      },
      inputs: [],
      outputs: [{ name: "x", facets: { note: "cm0user-suffix" } }],
    } as unknown as LineageRecord;
    const scrubbed = JSON.stringify(scrubRecord(record, (id) => `p(${id})`));
    expect(scrubbed).not.toMatch(/"cm0user"/);
    expect(scrubbed.match(/p\(cm0user\)/g)).toHaveLength(2);
    // Only the value itself: other text that merely contains it is no user id.
    expect(scrubbed).toContain("cm0user-suffix");
  });
});
