// The lineage page's data: the graph of sources, datasets and versions behind the pins, with their records.
import { lineageData } from "../../loaders/site/lineage.ts";
import { runJsonLoader } from "../../loaders/site/run.ts";

await runJsonLoader("lineage", lineageData);
