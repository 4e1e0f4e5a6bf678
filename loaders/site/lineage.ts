import { datasets } from "../datasets/index.ts";
import { LabbookError } from "../errors.ts";
import { entryOf, readRecord } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { versionStatus, type VersionStatus } from "../quality/facet.ts";
import { shortVersion } from "../lineage/version.ts";
import type { SiteContext } from "./context.ts";
import { inputVersionOf } from "./records.ts";

export type LineageNode =
  | { id: string; kind: "source"; label: string; namespace: string; layer: number }
  | { id: string; kind: "dataset"; label: string; description: string | null; layer: number }
  | {
      id: string;
      kind: "version";
      label: string;
      dataset: string;
      version: string;
      rows: number;
      size: number;
      created: string;
      job: string;
      commit: string | null;
      dirty: boolean | null;
      pinned: boolean;
      /** Its quality checks' outcome as recorded when it was made: pass, warn, fail or unchecked. */
      quality: VersionStatus;
      layer: number;
    };

export interface LineageGraph {
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
  /** Each version node's lineage record, with user ids in its parameters pseudonymized. */
  records: Record<string, LineageRecord>;
}

const sourceId = (namespace: string, name: string) => `source:${namespace}/${name}`;
const datasetId = (name: string) => `dataset:${name}`;
const versionId = (version: string) => `version:${version}`;

/**
 * The graph behind the pins: sources → datasets → versions, and for derived datasets the input versions they were
 * made from (pinned or not). Layers run left to right: sources, then each dataset one step after its inputs, then
 * its versions.
 */
export async function lineageData(ctx: SiteContext): Promise<LineageGraph> {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, { from: string; to: string }>();
  const records: Record<string, LineageRecord> = {};
  const pinned = new Set(ctx.objects.map((o) => o.version));
  const edge = (from: string, to: string) => edges.set(`${from}→${to}`, { from, to });

  async function visit(dataset: string, version: string, depth = 0): Promise<number> {
    const id = versionId(version);
    const seen = nodes.get(id);
    if (seen) return seen.layer;
    if (depth > 100)
      throw new LabbookError(`lineage of ${dataset} is deeper than 100 steps: is it cyclic?`, { code: "E_INTEGRITY" });
    const record = await readRecord(ctx.config.lineageDir, dataset, version);
    let inputLayer = 0;
    for (const input of record.inputs) {
      const inputVersion = inputVersionOf(input);
      if (inputVersion) {
        inputLayer = Math.max(inputLayer, await visit(input.name, inputVersion, depth + 1));
        edge(versionId(inputVersion), datasetId(dataset));
      } else {
        const sid = sourceId(input.namespace, input.name);
        nodes.set(sid, { id: sid, kind: "source", label: input.name, namespace: input.namespace, layer: 0 });
        edge(sid, datasetId(dataset));
      }
    }
    const layer = inputLayer + 1;
    const existing = nodes.get(datasetId(dataset));
    if (!existing || existing.layer < layer) {
      const description = datasets.find((d) => d.name === dataset)?.description ?? null;
      nodes.set(datasetId(dataset), { id: datasetId(dataset), kind: "dataset", label: dataset, description, layer });
    }
    const entry = entryOf(dataset, record);
    const git = record.run.facets.labbook_git as { commit?: string | null; dirty?: boolean | null } | undefined;
    nodes.set(id, {
      id,
      kind: "version",
      label: `${dataset}@${shortVersion(version)}`,
      dataset,
      version,
      rows: entry.rowCount,
      size: entry.size,
      created: entry.createdAt,
      job: entry.job,
      commit: git?.commit ?? null,
      dirty: git?.dirty ?? null,
      pinned: pinned.has(version),
      quality: versionStatus(record),
      layer: layer + 1,
    });
    edge(datasetId(dataset), id);
    records[id] = scrubRecord(record, ctx.pseudonym);
    return layer + 1;
  }

  for (const o of ctx.objects) await visit(o.dataset, o.version);
  // A dataset sits one layer after the latest of its inputs' versions, its versions one after it.
  for (const n of nodes.values()) {
    if (n.kind === "version") n.layer = nodes.get(datasetId(n.dataset))!.layer + 1;
  }
  const order = (a: LineageNode, b: LineageNode) => a.layer - b.layer || a.label.localeCompare(b.label);
  return { nodes: [...nodes.values()].sort(order), edges: [...edges.values()], records };
}

/**
 * A record's parameters can hold a user id: an ingest filtered with `--user-id` keeps the value in its filters and
 * bound parameters. Every string in the record equal to such a value is replaced by its pseudonym.
 */
export function scrubRecord(record: LineageRecord, pseudonym: (id: string) => string): LineageRecord {
  const parameters = (record.run?.facets?.labbook_parameters as { parameters?: { filters?: { userId?: unknown } } })
    ?.parameters;
  const userId = parameters?.filters?.userId;
  if (typeof userId !== "string") return record;
  const walk = (v: unknown): unknown => {
    if (v === userId) return pseudonym(userId);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(record) as LineageRecord;
}
