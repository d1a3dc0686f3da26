/**
 * All projections of the log, folded together. Every view (state.json, status, history, metrics)
 * is a function of this; the checkpoint stores it.
 */
import type { StoredEvent } from '../events/types.js';
import { evolveHistory, initialHistory, type History } from './history.js';
import { evolveLifecycle, initialLifecycle, type Lifecycle } from './lifecycle.js';
import { restoredAfterLoss } from './loss.js';
import { evolveNode, initialNode, type NodeView } from './node.js';

/** Bump when any fold's shape or meaning changes: older checkpoints are then ignored and rebuilt. */
export const PROJECTION_VERSION = 4;

export interface Projections {
  lifecycle: Lifecycle;
  history: History;
  node: NodeView;
}

export function initialProjections(): Projections {
  return { lifecycle: initialLifecycle(), history: initialHistory(), node: initialNode() };
}

export function evolve(p: Projections, e: StoredEvent): Projections {
  if (e.type === 'LogLost' && !('foreign' in e)) p = restoredAfterLoss(p, e.data, PROJECTION_VERSION);
  return { lifecycle: evolveLifecycle(p.lifecycle, e), history: evolveHistory(p.history, e), node: evolveNode(p.node, e) };
}

export function fold(events: Iterable<StoredEvent>, from: Projections = initialProjections()): Projections {
  let p = from;
  for (const e of events) p = evolve(p, e);
  return p;
}
