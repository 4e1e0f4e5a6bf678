/** A stage's input: one version of a dataset (apart from stage.ts so that recent.ts can name it too). */
export interface StageInput {
  version: string;
  /** The files that hold the version's rows in the local store, checked against its hash. */
  files: string[];
}
