// The experiment pages' statistics: data/experiments/index.json, effects.json and one <protocol id>.json each.
import { ANALYSIS_READS } from "../../loaders/experiments/analyze.ts";
import { experimentsData } from "../../loaders/site/experiments.ts";
import { defineLoader } from "../../loaders/site/loader.ts";

export default defineLoader({ reads: ANALYSIS_READS }, experimentsData);
