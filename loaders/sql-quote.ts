/** SQL text for a name or a string value, quoted so that no value can end the quote (DuckDB and PostgreSQL alike). */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;
