/** Errors the log raises. `code` is the contract (src/errors.ts maps it to an exit code); messages are for people. */
export type LogErrorCode =
  | 'LOG_IO'            // a write or sync of the log failed: the writer has stopped (fail-stop)
  | 'LOCK_HELD'         // another writer holds the lock
  | 'LOCK_LOST'         // our lock was compromised: appending stopped
  | 'RECORD_TOO_LARGE'
  | 'BAD_EVENT'
  | 'LOG_CLOSED'
  | 'BAD_PATH'          // the data directory (or events/) exists but is not a directory
  | 'LOG_UNREADABLE';   // a reader could not list or open the log at all

export class LogError extends Error {
  constructor(readonly code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogError';
  }
}

/** Who holds the lock, as its owner file says; absent fields were unreadable. */
export interface LockOwner {
  pid?: number;
  pidNs?: number;
  bootId?: string;
  command?: string;
  startedAt?: string;
  startTicks?: number;
  nonce?: string;
}

export class LockHeldError extends LogError {
  constructor(readonly owner: LockOwner | null, lockPath: string) {
    const who = owner?.pid !== undefined
      ? `pid ${owner.pid}${owner.command ? ` (${owner.command})` : ''}`
      : 'an unknown process (no readable owner file)';
    super('LOCK_HELD', `the log is locked by ${who}: ${lockPath}; retry, or pass --wait SECONDS`);
  }
}

const NOT_A_DIRECTORY = new Set(['ENOTDIR', 'EEXIST', 'EISDIR']);

/** Wraps a file-system error met while opening the log in the error an operator can act on. */
export function openError(what: string, path: string, err: unknown, fallback: LogErrorCode): LogError {
  if (err instanceof LogError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code && NOT_A_DIRECTORY.has(e.code) && e.path !== undefined && !String(e.path).endsWith('.seg')) {
    return new LogError('BAD_PATH', `${what} ${path}: ${e.path} is not a directory (check --data-dir / --root)`, { cause: err });
  }
  return new LogError(fallback, `${what} ${path}: ${e.message}`, { cause: err });
}
