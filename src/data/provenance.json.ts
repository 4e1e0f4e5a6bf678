// The build itself: pin set, pinned versions, git commit and build time (`labbook archive` checks it).
import { defineLoader } from "../../loaders/site/loader.ts";
import { provenanceData } from "../../loaders/site/provenance.ts";

export default defineLoader({ reads: "all", volatile: true }, (ctx) => provenanceData(ctx));
