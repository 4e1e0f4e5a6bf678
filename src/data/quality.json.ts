// The quality page's data: every pinned dataset's checks, run on the pinned versions, with pseudonymized samples.
import { defineLoader } from "../../loaders/site/loader.ts";
import { qualityData } from "../../loaders/site/quality.ts";

export default defineLoader({ reads: "all", lineage: "history" }, (ctx) => qualityData(ctx));
