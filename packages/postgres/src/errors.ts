import type { StoreUnavailable } from '@grade-ledger/core';

/** node-postgres errors carry the server's SQLSTATE (`code`) or a socket error code. */
type PgLikeError = { readonly code?: unknown; readonly message?: unknown };

const codeOf = (error: unknown): string | undefined => {
  const code = (error as PgLikeError | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const messageOf = (error: unknown): string => {
  const message = (error as PgLikeError | null)?.message;
  return typeof message === 'string' && message !== '' ? message : String(error);
};

/** The constraint a server error names (node-postgres's `constraint`), or ''. */
export const constraintOf = (error: unknown): string => {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : '';
};

/** SQLSTATE 23505: a unique constraint refused a row (the version and event-id checks). */
export const isUniqueViolation = (error: unknown): boolean => codeOf(error) === '23505';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT']);

/** Says in plain words what went wrong with the server or the connection. */
const describe = (error: unknown): string => {
  const code = codeOf(error);
  const message = messageOf(error);
  if (code !== undefined && UNREACHABLE.has(code)) return `cannot reach the PostgreSQL server (${message})`;
  if (code === 'ECONNRESET' || code === 'EPIPE' || /Connection terminated|connection.*(closed|ended)/i.test(message))
    return `the connection to PostgreSQL was lost (${message})`;
  if (code === '57P01' || code === '57P02' || code === '57P03') return `the PostgreSQL server ended the connection (${code}: ${message})`;
  if (/timeout exceeded when trying to connect/i.test(message)) return `timed out waiting for a PostgreSQL connection (${message})`;
  if (code === '57014') return `the statement was cancelled or timed out (${message})`;
  if (code?.startsWith('08')) return `PostgreSQL connection failure (${code}: ${message})`;
  if (code?.startsWith('53')) return `PostgreSQL is out of resources (${code}: ${message})`;
  return `PostgreSQL failed${code === undefined ? '' : ` (${code})`}: ${message}`;
};

/**
 * Any failure of the server or the connection, as the port's typed error. `what` names the
 * operation, `written` says what the caller may assume about an append.
 */
export const storeUnavailable = (what: string, error: unknown, written?: 'maybe'): StoreUnavailable => ({
  kind: 'StoreUnavailable',
  message:
    `PostgreSQL event store unavailable while ${what}: ${describe(error)}` +
    (written === 'maybe'
      ? '; the batch was written entirely or not at all, and re-sending it is safe (appends are idempotent)'
      : ''),
  cause: error,
});

/** The error thrown where the port has no Either (readAll's pages): an Error that is also a StoreUnavailable. */
export type StoreUnavailableError = Error & StoreUnavailable;

export const storeUnavailableError = (unavailable: StoreUnavailable): StoreUnavailableError =>
  Object.assign(new Error(unavailable.message, { cause: unavailable.cause }), {
    kind: 'StoreUnavailable' as const,
    message: unavailable.message,
  });

export const isStoreUnavailable = (error: unknown): error is StoreUnavailable =>
  typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'StoreUnavailable';
