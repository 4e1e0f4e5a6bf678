// The catalog page's data: every pinned dataset's version, size and freshness.
import { catalogData } from "../../loaders/site/catalog.ts";
import { runJsonLoader } from "../../loaders/site/run.ts";

await runJsonLoader("catalog", catalogData);
