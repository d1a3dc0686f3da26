/**
 * What a decider returns: a refusal, or a plan of steps for the writer session to carry out in
 * order. A step either records events, or writes grubenv between an Intent and its outcome —
 * the only way anything writes grubenv. Pure data; src/session/steps.ts runs it.
 */
import type { BootVars, NewEvent, Slot } from '../../events/types.js';

/**
 * A rule said no. `events` are recorded first (UpdateDeferred: a refusal that leaves a trace);
 * `code` picks the exit: REFUSED 3, USAGE 2 (a configuration that breaks a rule), FAILED 1.
 */
export interface Refusal { refused: string; code: 'REFUSED' | 'USAGE' | 'FAILED'; events: NewEvent[] }

export const refuse = (refused: string, events: NewEvent[] = [], code: Refusal['code'] = 'REFUSED'): Refusal => ({ refused, code, events });

export const isRefusal = (x: unknown): x is Refusal => typeof x === 'object' && x !== null && 'refused' in x;

/** The grubenv writes, by name; each names its two crash points (`<name>.after-intent`, `.after-grubenv`). */
export type BootEnvWrite = 'activate' | 'rollback' | 'auto-rollback' | 'healthcheck' | 'bootenv';

export interface BootEnvStep {
  name: BootEnvWrite;
  intent: NewEvent;
  /** The variables to set; the rest of the block is kept. */
  set: { active_slot?: Slot; boot_counter?: number; boot_success?: 0 | 1 };
  /** bootenv init only: write a new block when the file is missing or not a block. */
  create?: boolean;
  /** Appended once the write is read back. */
  outcome: NewEvent[];
  /** Appended instead when the write failed: the error and what grubenv holds after it. */
  failed(error: string, observed: BootVars | null): NewEvent[];
}

export type Step = { record: NewEvent[] } | { bootenv: BootEnvStep };

/** Whether grubenv, read back after a failed write, shows the write anyway. */
export function landed(set: BootEnvStep['set'], observed: BootVars | null): boolean {
  if (!observed) return false;
  return (Object.keys(set) as Array<keyof BootEnvStep['set']>).every((k) => observed[k] === set[k]);
}
