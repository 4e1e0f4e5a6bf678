import { failingChecksBanner } from "./loaders/site/banner.ts";
import { pinnedProtocols } from "./loaders/site/protocols.ts";

// The pinned protocols, read once when Framework loads the config: one page each, listed in the sidebar.
const protocols = await pinnedProtocols();

export default {
  title: "labbook",
  root: "src",
  // `labbook build --out DIR` sets this; Framework's default otherwise.
  output: process.env.LABBOOK_SITE_OUTPUT || "dist",
  pages: [
    { name: "Behavioral events", path: "/events" },
    {
      name: "Experiments",
      open: true,
      pages: [
        { name: "All protocols", path: "/experiments/" },
        { name: "Effect sizes", path: "/experiments/summary" },
        ...protocols
          .map((p) => ({ name: p.name, path: `/experiments/${p.id}` }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      ],
    },
    { name: "Lineage", path: "/lineage" },
    { name: "Quality", path: "/quality" },
  ],
  dynamicPaths: protocols.map((p) => `/experiments/${p.id}`),
  // TypeScript loaders run in node with tsx's loader hook: one process each, no network.
  interpreters: { ".ts": [process.execPath, "--no-warnings=ExperimentalWarning", "--import", "tsx"] },
  // Offline: Framework's theme plus the Inputs styles from node_modules (style.css), no web fonts from
  // fonts.googleapis.com, and an inline favicon so the browser asks for nothing that is missing.
  style: "style.css",
  globalStylesheets: [],
  head: '<link rel="icon" href="data:,">',
  // Empty unless `labbook build --allow-failing-checks` published failing checks: then every page names them.
  header: failingChecksBanner(),
  footer: "",
  search: false,
  pager: false,
};
