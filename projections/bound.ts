/**
 * A point in the log to look back at (`status --at`, `history --until`, `events --until`):
 * after the event with a given seq, or after the last event stamped at or before a time. The
 * log is read in seq order and stops at the first event past the point, so the past is always
 * a prefix of the log — a clock stepped back later never pulls newer events into it. Pure.
 */
import type { StoredEvent } from '../events/types.js';
import { evolve, initialProjections, type Projections } from './index.js';

export type LogBound = { seq: number } | { time: number };

/** True for the first event that lies past the bound, and every one after it. */
export function isPast(bound: LogBound, e: { seq: number; at: number }): boolean {
  return 'seq' in bound ? e.seq > bound.seq : e.at > bound.time;
}

/** The projections of the log's prefix up to the bound, and the last event in it. */
export function foldUntil(events: Iterable<StoredEvent>, bound: LogBound): { projections: Projections; last: StoredEvent | null } {
  let projections = initialProjections();
  let last: StoredEvent | null = null;
  for (const e of events) {
    if (isPast(bound, e)) break;
    projections = evolve(projections, e);
    last = e;
  }
  return { projections, last };
}
