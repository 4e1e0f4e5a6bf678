import { labbookVersion } from "../version.ts";

/** OpenLineage identifiers. Every facet carries `_producer` and `_schemaURL`. */
export const PRODUCER = `https://github.com/labbook-research/labbook/tree/v${labbookVersion}`;
export const RUN_EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
export const NAMESPACE = "labbook";

const standard = {
  schema: "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
  version: "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
  dataSource: "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet",
  outputStatistics:
    "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
  sql: "https://openlineage.io/spec/facets/1-0-1/SQLJobFacet.json#/$defs/SQLJobFacet",
  sourceCodeLocation:
    "https://openlineage.io/spec/facets/1-0-1/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet",
} as const;

/** A standard OpenLineage facet. */
export function facet<T extends object>(kind: keyof typeof standard, body: T) {
  return { _producer: PRODUCER, _schemaURL: standard[kind], ...body };
}

/** One of labbook's own facets (named labbook_*), described field by field in loaders/lineage/README.md. */
export function customFacet<T extends object>(name: string, body: T) {
  return { _producer: PRODUCER, _schemaURL: `${PRODUCER}/loaders/lineage/README.md#${name}`, ...body };
}
