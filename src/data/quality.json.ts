// The quality page's data: every pinned dataset's checks, run on the pinned versions, with pseudonymized samples.
import { qualityData } from "../../loaders/site/quality.ts";
import { runJsonLoader } from "../../loaders/site/run.ts";

await runJsonLoader("quality", (ctx) => qualityData(ctx));
