// The catalog page's data: every pinned dataset's version, size and freshness, from its lineage record.
import { catalogData } from "../../loaders/site/catalog.ts";
import { defineLoader } from "../../loaders/site/loader.ts";

export default defineLoader({ reads: "all", lineage: "pinned" }, catalogData);
