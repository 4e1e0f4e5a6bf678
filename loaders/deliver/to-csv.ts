import { copyThroughPipe } from "./copy.ts";
import type { ExportFile, WriteContext } from "./format.ts";
import { exportQuery, textColumns } from "./select.ts";

/** RFC 4180: comma, double quotes doubled, NULL as an empty field (an empty string is written as ""). */
export const CSV_OPTIONS = `FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NULLSTR ''`;

export interface CsvOptions {
  /** Start with a UTF-8 byte-order mark, so Excel detects the encoding. Default true. */
  bom?: boolean;
}

/**
 * Writes `<dataset>.csv`: UTF-8 with a header row, timestamps as ISO 8601 UTC text, JSON columns as JSON text. Opens
 * in spreadsheets and Tableau as is.
 */
export async function toCsv(ctx: WriteContext, options: CsvOptions = {}): Promise<ExportFile[]> {
  const name = `${ctx.source.dataset}.csv`;
  const query = exportQuery(ctx.source, textColumns(ctx.source.columns), ctx.filter);
  const written = await copyThroughPipe(ctx, query, name, CSV_OPTIONS, options.bom === false ? "" : "\ufeff");
  return [{ path: name, ...written }];
}
