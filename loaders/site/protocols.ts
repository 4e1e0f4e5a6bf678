import { loadConfig, type Config } from "../config.ts";
import { parquet, queryRows, withDuckDB } from "../duckdb.ts";
import { isLabbookError } from "../errors.ts";
import { pinnedVersion, readPins } from "../lineage/pins.ts";
import { readableFiles } from "../store/files.ts";

/** Protocol ids become page paths (experiments/<id>), so only ids safe as a file name get a page. */
export const isProtocolPath = (id: string) => /^[A-Za-z0-9_-]{1,100}$/.test(id);

/** The protocols, over a view named experiment_protocols, in start order. */
export const protocolsSql = `SELECT id, "userId", "protocolName" AS name, "designType", hypothesis, "primaryOutcome",
    strftime("startDate", '%Y-%m-%d') AS "startDate", strftime("endDate", '%Y-%m-%d') AS "endDate",
    CAST((SELECT count(*) FROM phase_assignments pa WHERE pa."protocolId" = p.id) AS INTEGER) AS phases
  FROM experiment_protocols p ORDER BY "startDate", id`;

/**
 * The pinned protocols' ids and names, for the config's sidebar and dynamic paths. Reads the pinned object directly
 * and returns nothing when there are no pins or the object is absent yet (e.g. `npm run dev` before the first build).
 */
export async function pinnedProtocols(config: Config = loadConfig()): Promise<{ id: string; name: string }[]> {
  let version: string;
  try {
    version = pinnedVersion(await readPins(config.lineageDir), config.pinSet, "experiment_protocols");
  } catch (e) {
    if (isLabbookError(e, "E_NOT_FOUND")) return [];
    throw e;
  }
  const file = await readableFiles(config.dataDir, version, "experiment_protocols");
  if (!file) return [];
  const rows = await withDuckDB((con) =>
    queryRows<{ id: string; name: string }>(
      con,
      `SELECT id, "protocolName" AS name FROM ${parquet(file)} ORDER BY "startDate", id`,
    ),
  );
  return rows.filter((r) => isProtocolPath(r.id));
}
