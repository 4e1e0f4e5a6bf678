import { withDuckDB } from "../duckdb.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { parquetRowCount, parquetSchema } from "../store/parquet.ts";

/**
 * What a lineage record says about its object that the object's Parquet footer contradicts: the row count, and the
 * schema (column names and types, in order). Empty when they agree. The size is checked by the caller, which has it
 * from hashing the bytes.
 */
export async function recordFooterMismatches(
  record: LineageRecord,
  file: string | readonly string[],
): Promise<string[]> {
  const out = record.outputs[0]!;
  const { rows, fields } = await withDuckDB(async (con) => ({
    rows: await parquetRowCount(con, file),
    fields: await parquetSchema(con, file),
  }));
  const mismatches: string[] = [];
  const recordedRows: unknown = out.outputFacets?.outputStatistics?.rowCount;
  if (recordedRows !== rows)
    mismatches.push(`a row count of ${JSON.stringify(recordedRows ?? null)}, but the object has ${rows} rows`);
  const show = (f: { name: string; type: string }[]) => f.map((c) => `${c.name} ${c.type}`).join(", ");
  const recordedFields = (out.facets?.schema?.fields ?? []) as { name: string; type: string }[];
  if (show(recordedFields) !== show(fields))
    mismatches.push(`the schema (${show(recordedFields)}), but the object's is (${show(fields)})`);
  return mismatches;
}
