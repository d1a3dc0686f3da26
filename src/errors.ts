/**
 * The agent's error vocabulary and the one table from error codes to exit codes (DESIGN.md §5).
 * Imports nothing but the log's error class.
 */
import { LogError, type LogErrorCode } from '../events/errors.js';

export type AgentErrorCode = 'USAGE' | 'FAILED' | 'REFUSED' | 'LOG_CORRUPT' | 'INTERNAL' | 'INTERRUPTED';
export type ErrorCode = AgentErrorCode | LogErrorCode;

export class AgentError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
  }
}

/** SIGINT and SIGTERM end a writer at its next safe point with the conventional 128 + signo. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, REFUSED: 3, IO: 74, BUSY: 75, SIGINT: 130, SIGTERM: 143 } as const;

/** The signals a writer holds across each step (src/signals.ts), then stops on. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** A writer stopped at a safe point because it received `signal`; the exit code is 128 + signo. */
export class Interrupted extends AgentError {
  constructor(readonly signal: StopSignal, message = `stopped by ${signal}`) {
    super('INTERRUPTED', message);
    this.name = 'Interrupted';
  }
}

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  USAGE: EXIT.USAGE,
  FAILED: EXIT.FAILED,
  REFUSED: EXIT.REFUSED,
  LOG_CORRUPT: EXIT.FAILED,
  INTERNAL: EXIT.FAILED,
  // Only when no signal is known; an Interrupted error exits by its signal.
  INTERRUPTED: EXIT.SIGTERM,
  LOG_IO: EXIT.IO,
  LOCK_HELD: EXIT.BUSY,
  LOCK_LOST: EXIT.BUSY,
  RECORD_TOO_LARGE: EXIT.USAGE,
  BAD_EVENT: EXIT.FAILED,
  LOG_CLOSED: EXIT.FAILED,
  BAD_PATH: EXIT.USAGE,
  LOG_UNREADABLE: EXIT.FAILED,
};

export function codeOf(err: unknown): ErrorCode {
  if (err instanceof AgentError || err instanceof LogError) return err.code;
  return 'INTERNAL';
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof Interrupted) return EXIT[err.signal];
  return EXIT_BY_CODE[codeOf(err)];
}

export function usage(message: string): AgentError {
  return new AgentError('USAGE', message);
}
