// The experiment pages' data: data/experiments/index.json and one data/experiments/<protocol id>.json per protocol.
import { experimentsData } from "../../loaders/site/experiments.ts";
import { runZipLoader } from "../../loaders/site/run.ts";

await runZipLoader("experiments", experimentsData);
