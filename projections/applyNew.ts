/**
 * Folds events that are about to be appended into the projections, as the log will see them
 * (next seqs, the current boot id): deciders use it to look at the state their own events lead
 * to. Pure.
 */
import { CURRENT_VERSION, type NewEvent, type StoredEvent } from '../events/types.js';
import { evolve, type Projections } from './index.js';

export function applyNew(p: Projections, events: NewEvent[], boot: string, at: number): Projections {
  let seq = p.lifecycle.seq;
  for (const e of events) {
    p = evolve(p, { seq: ++seq, type: e.type, v: CURRENT_VERSION[e.type], at, boot, data: e.data, ...(e.attempt ? { attempt: e.attempt } : {}) } as StoredEvent);
  }
  return p;
}
