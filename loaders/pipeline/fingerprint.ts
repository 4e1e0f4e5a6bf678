import { createHash } from "node:crypto";
import type { DatasetDef } from "../datasets/define.ts";
import { compileSchema } from "../datasets/rules.ts";

/**
 * Bumped when the way a stage is executed changes (the SQL wrapper, the merge of a recent run), so that every stage
 * runs again once.
 */
export const PIPELINE_FORMAT = 1;

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** A hash of everything in a stage's definition that shapes its output: SQL, inputs, schema, keys. */
export function definitionHash(def: DatasetDef): string {
  const derive = def.derive!;
  return sha256(
    JSON.stringify({
      format: PIPELINE_FORMAT,
      name: def.name,
      sql: derive.sql,
      inputs: derive.inputs,
      incremental: derive.incremental ?? null,
      summary: derive.summary ?? null,
      columns: compileSchema(def.schema),
      primaryKey: def.primaryKey,
      sortKey: def.sortKey,
      // Only when declared, so that declaring none leaves the hashes of existing stages as they were.
      ...(def.partitioning ? { partitioning: def.partitioning } : {}),
    }),
  );
}

/** The stage's fingerprint: its definition and the exact versions of its inputs (like a DVC lock entry). */
export function stageFingerprint(definition: string, inputs: Record<string, string>): string {
  const sorted = Object.keys(inputs)
    .sort()
    .map((name) => [name, inputs[name]]);
  return sha256(JSON.stringify({ definition, inputs: sorted }));
}
