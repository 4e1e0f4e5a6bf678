// The lineage page's data: the graph of sources, datasets and versions behind the pins, with their records.
import { lineageData } from "../../loaders/site/lineage.ts";
import { defineLoader } from "../../loaders/site/loader.ts";

export default defineLoader({ reads: "all", lineage: "inputs" }, lineageData);
