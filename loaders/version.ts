import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./config.ts";

/** The labbook version, from package.json. */
export const labbookVersion: string = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")).version;
