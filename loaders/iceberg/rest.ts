import { IcebergRestCatalog } from "iceberg-js";
import { LabbookError } from "../errors.ts";

/** An Iceberg REST catalog that labbook's tables are registered with (`labbook iceberg --catalog`). */
export interface RestCatalogOptions {
  /** The catalog's base URL (the part before /v1/…). */
  url: string;
  /** The namespace the tables go in. */
  namespace: string;
  /** A bearer token, when the catalog wants one (LABBOOK_ICEBERG_TOKEN); never logged. */
  token?: string;
}

export type Registration = "registered" | "updated" | "unchanged";

/**
 * Points the catalog's table of each dataset at its newest metadata file: registered when new, re-registered with
 * `overwrite` when it names an older file, left alone when it names this one. The catalog only records where the
 * metadata is; the files stay labbook's.
 */
export async function registerTables(
  options: RestCatalogOptions,
  tables: { dataset: string; metadataLocation: string }[],
): Promise<Record<string, Registration>> {
  const catalog = new IcebergRestCatalog({
    baseUrl: options.url,
    auth: options.token ? { type: "bearer", token: options.token } : undefined,
  });
  const namespace = { namespace: [options.namespace] };
  const out: Record<string, Registration> = {};
  const fail = (what: string, e: unknown): never => {
    throw new LabbookError(`${what} in the Iceberg REST catalog at ${options.url}: ${(e as Error).message}`, {
      code: "E_REMOTE",
      cause: e,
    });
  };
  await catalog.createNamespaceIfNotExists(namespace).catch((e) => fail(`creating namespace ${options.namespace}`, e));
  for (const t of tables) {
    const id = { ...namespace, name: t.dataset };
    try {
      const exists = await catalog.tableExists(id);
      const current = exists ? await catalog.loadTableResult(id) : null;
      if (current?.["metadata-location"] === t.metadataLocation) {
        out[t.dataset] = "unchanged";
        continue;
      }
      await catalog.registerTable(namespace, {
        name: t.dataset,
        "metadata-location": t.metadataLocation,
        overwrite: exists,
      });
      out[t.dataset] = exists ? "updated" : "registered";
    } catch (e) {
      fail(`registering ${options.namespace}.${t.dataset}`, e);
    }
  }
  return out;
}
