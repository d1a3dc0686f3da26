/**
 * Lost log ranges (LogLost) and their acknowledgement: nobody installs over a history they cannot
 * see, until an operator has looked and said so (`repair --accept-loss`, recorded as LossAccepted).
 * Rollbacks, activation and health checks go on: a damaged log must never stop a node from
 * keeping or reaching a good release.
 */
import type { NewEvent } from '../../events/types.js';
import type { LossRecord } from '../../projections/node.js';
import { ACCEPT_HINT, lossRange } from '../../projections/loss.js';
import { refuse, type Refusal } from './plan.js';
import { byRule } from './rules.js';


/** apply's first question: is there a lost range nobody has acknowledged? */
export function lostHistoryRefusal(unaccepted: LossRecord[]): Refusal | null {
  if (unaccepted.length === 0) return null;
  const ranges = unaccepted.map(lossRange).join(', ');
  const why = `the log lost acknowledged ${ranges}`;
  return refuse(`${why}: refusing to install over a history nobody has reviewed ${byRule('history')}; ${ACCEPT_HINT}`, [{ type: 'UpdateDeferred', data: { reason: why } }]);
}

/** `repair --accept-loss`: one LossAccepted naming every loss not yet accepted; nothing when there is none. */
export function decideAcceptLoss(unaccepted: LossRecord[], by: string, reason: string | undefined): { events: NewEvent[]; accepted: LossRecord[] } {
  if (unaccepted.length === 0) return { events: [], accepted: [] };
  return { events: [{ type: 'LossAccepted', data: { losses: unaccepted.map((l) => l.seq), by, ...(reason ? { reason } : {}) } }], accepted: unaccepted };
}
