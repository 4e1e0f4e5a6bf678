import { failingChecksBanner } from "./loaders/site/banner.ts";
import { siteConfig } from "./loaders/site/site-config.ts";

// Derived from src/: the sidebar (each page's front matter), the templated pages (the query beside each), every
// page's provenance footer (the datasets its loaders read) and the loader interpreters. A new page needs no edit here.
const site = await siteConfig();

export default {
  title: "labbook",
  root: "src",
  // `labbook build --out DIR` sets this; Framework's default otherwise.
  output: process.env.LABBOOK_SITE_OUTPUT || "dist",
  ...site,
  // Offline: Framework's theme plus the Inputs styles from node_modules (style.css), no web fonts from
  // fonts.googleapis.com, and an inline favicon so the browser asks for nothing that is missing.
  style: "style.css",
  globalStylesheets: [],
  head: '<link rel="icon" href="data:,">',
  // Empty unless `labbook build --allow-failing-checks` published failing checks: then every page names them.
  header: failingChecksBanner(),
  search: false,
  pager: false,
};
