import { z } from "zod";

/**
 * Column helpers for dataset schemas. Each is plain zod; the few facts zod cannot express as data (a JSON column,
 * "not in the future") ride along as zod metadata, so rules.ts can compile the same schema to DuckDB SQL.
 */
export interface ColumnMeta {
  /** Compile as DuckDB JSON. */
  json?: boolean;
  /** A timestamp that must not lie after the time of validation. */
  notFuture?: boolean;
  description?: string;
  /** The value identifies a person (a user id): every view a report loader reads shows it pseudonymized. */
  identifiesPerson?: boolean;
}

/** Prisma's cuid(): "c" and 24 lower-case base-36 characters. */
export const CUID_PATTERN = /^c[a-z0-9]{24}$/;
export const EARLIEST_TIMESTAMP = new Date("2000-01-01T00:00:00.000Z");

export const cuid = () => z.string().regex(CUID_PATTERN, "not a cuid");

export const text = () => z.string();

/**
 * A column whose value identifies a person, such as a user id. Published pages never see it raw: the views that
 * report loaders read replace it with a keyed pseudonym (see loaders/pseudonym.ts).
 */
export const personId = () => z.string().meta({ identifiesPerson: true } satisfies ColumnMeta);

export const int = (min?: number, max?: number) => {
  let s = z.int();
  if (min !== undefined) s = s.min(min);
  if (max !== undefined) s = s.max(max);
  return s;
};

export const float = () => z.number();

export const json = () => z.string().meta({ json: true } satisfies ColumnMeta);

/** A TIMESTAMPTZ that is neither before 2000 nor in the future. */
export const timestamp = () =>
  z
    .date()
    .min(EARLIEST_TIMESTAMP, "before 2000-01-01")
    .refine((d) => d.getTime() <= Date.now(), "in the future")
    .meta({ notFuture: true } satisfies ColumnMeta);

/** A TIMESTAMPTZ with no range rule, for derived datasets. */
export const time = () => z.date();

export const date = () => z.iso.date();
