/**
 * Folds events that are about to be appended into the lifecycle and node views, as the log will
 * see them (next seqs, the current boot id): deciders use it to look at the state their own
 * events lead to. Pure.
 */
import { CURRENT_VERSION, type NewEvent, type StoredEvent } from '../events/types.js';
import { evolveLifecycle, type Lifecycle } from './lifecycle.js';
import { evolveNode, type NodeView } from './node.js';

export function applyNew(l: Lifecycle, n: NodeView, events: NewEvent[], boot: string, at: number): [Lifecycle, NodeView] {
  let seq = l.seq;
  for (const e of events) {
    const env = { seq: ++seq, type: e.type, v: CURRENT_VERSION[e.type], at, boot, data: e.data, ...(e.attempt ? { attempt: e.attempt } : {}) } as StoredEvent;
    l = evolveLifecycle(l, env);
    n = evolveNode(n, env);
  }
  return [l, n];
}
