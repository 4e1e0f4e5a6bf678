/** Stable error codes. Tests and scripts match on these, never on message text. */
export type ErrorCode =
  | "E_USAGE"
  | "E_VALIDATION"
  | "E_NOT_FOUND"
  | "E_LOCKED"
  | "E_DATABASE"
  | "E_SOURCE"
  | "E_INTEGRITY"
  | "E_CONFIG"
  | "E_STATS"
  | "E_PIPELINE"
  | "E_QUALITY"
  | "E_REMOTE"
  | "E_IO"
  | "E_INITDB"
  | "E_INTERRUPTED";

const defaultExitCode: Record<ErrorCode, number> = {
  E_USAGE: 2,
  E_VALIDATION: 1,
  E_NOT_FOUND: 1,
  E_LOCKED: 1,
  E_DATABASE: 1,
  E_SOURCE: 1,
  E_INTEGRITY: 1,
  E_CONFIG: 1,
  E_STATS: 1,
  E_PIPELINE: 1,
  E_QUALITY: 1,
  E_REMOTE: 1,
  E_IO: 1,
  E_INITDB: 1,
  E_INTERRUPTED: 130,
};

export interface LabbookErrorOptions {
  code: ErrorCode;
  /** Overrides the code's default exit code. */
  exitCode?: number;
  cause?: unknown;
  /** Extra lines printed under the message (for example the first validation errors). */
  details?: string[];
}

/** The one error type of labbook. Messages read "<what failed>: <detail>". Only the CLI entry maps it to an exit code. */
export class LabbookError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly details: string[];

  constructor(message: string, options: LabbookErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "LabbookError";
    this.code = options.code;
    this.exitCode = options.exitCode ?? defaultExitCode[options.code];
    this.details = options.details ?? [];
  }
}

export function usageError(message: string, details?: string[]): LabbookError {
  return new LabbookError(message, { code: "E_USAGE", details });
}

export function isLabbookError(error: unknown, code?: ErrorCode): error is LabbookError {
  return error instanceof LabbookError && (code === undefined || error.code === code);
}

export interface PrintErrorOptions {
  /** Applied to every line printed: masks secrets (hideSecrets in sources/database-url.ts). */
  hide?: (text: string) => string;
  /** What failed, put before the message unless it starts with it already (a site loader's file). */
  context?: string;
  /** Also write `{"error": {code, message, details}}` on stdout. */
  json?: boolean;
}

/**
 * The one printer of errors, for the CLI and the site's loaders alike: `error: <message>` and its details on stderr.
 * Anything but a LabbookError is an unexpected error (its stack with LABBOOK_DEBUG set). Returns the exit code.
 */
export function printError(error: unknown, options: PrintErrorOptions = {}): number {
  const hide = options.hide ?? ((text: string) => text);
  const e = isLabbookError(error)
    ? error
    : new LabbookError(`unexpected error: ${(error as Error)?.message ?? String(error)}`, {
        code: "E_IO",
        cause: error,
      });
  const context = options.context;
  const message = hide(context && !e.message.startsWith(context) ? `${context}: ${e.message}` : e.message);
  const details = e.details.map(hide);
  if (options.json) process.stdout.write(`${JSON.stringify({ error: { code: e.code, message, details } })}\n`);
  process.stderr.write(`error: ${message}\n`);
  for (const line of details) process.stderr.write(`  ${line}\n`);
  if (!isLabbookError(error) && process.env.LABBOOK_DEBUG)
    process.stderr.write(`${hide(String((error as Error)?.stack))}\n`);
  return e.exitCode;
}
