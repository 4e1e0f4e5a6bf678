// Every page's footer: the pin set, the pinned versions, the git commit and the build time.
import { provenanceData } from "../../loaders/site/provenance.ts";
import { runJsonLoader } from "../../loaders/site/run.ts";

await runJsonLoader("provenance", (ctx) => provenanceData(ctx));
