/**
 * What `status --at` and `history --until` say about the point they show: the point asked for,
 * the last event at or before it, and the node's boot facts as the log recorded them then (a
 * past moment is never shown with the machine's grubenv or command line of now). Pure.
 */
import type { StoredEvent } from '../events/types.js';
import type { LogBound } from './bound.js';
import type { Projections } from './index.js';
import { isoTime } from './isoTime.js';
import type { BootFacts } from './statusView.js';

/** The `as_of` key: the point asked for (a seq or a time) and the last event at or before it. */
export interface AsOf { requested_seq?: number; requested_time?: string; seq: number; at: string | null }

export function asOf(bound: LogBound, last: StoredEvent | null): AsOf {
  const requested = 'seq' in bound ? { requested_seq: bound.seq } : { requested_time: isoTime(bound.time) };
  return { ...requested, seq: last?.seq ?? 0, at: last ? isoTime(last.at) : null };
}

/** The first line of the human view: which point this is, and that it is the log's record of it. */
export function asOfLine(a: AsOf, what: string): string {
  const asked = a.requested_time ?? `seq ${a.requested_seq}`;
  if (a.seq === 0) return `As of ${asked}: nothing was recorded yet — ${what} of an empty log.`;
  return `As of ${asked}: ${what} as recorded in the log up to seq ${a.seq} (${a.at}).`;
}

/**
 * The boot facts as the log last recorded them: the slot of the last boot observed, grubenv as
 * last read or written (recordedEnv.ts). `env.state` is "recorded": nothing here was read now.
 */
export function recordedBootFacts(p: Projections): BootFacts {
  const r = p.node.recordedEnv;
  return {
    booted: p.node.lastBoot?.slot ?? null,
    grubenv: r ? { active_slot: r.active_slot, boot_counter: r.boot_counter, boot_success: r.boot_success } : null,
    env: { state: 'recorded', script: r?.script ?? null },
    warnings: [],
  };
}
