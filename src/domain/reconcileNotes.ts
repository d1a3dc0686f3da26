/**
 * What reconciliation found that an operator must hear from the command that found it: a GRUB
 * fallback, an attempt whose process stopped (a power cut, a kill), or one whose recorded end a
 * lost log range took. Recorded either way; these are the lines a boot-time healthcheck prints
 * on the console, so nobody has to guess why the node runs the old slot. Pure: the lifecycle
 * before, the reconciled events in, sentences out.
 */
import type { NewEvent } from '../../events/types.js';
import { applyNew } from '../../projections/applyNew.js';
import type { Projections } from '../../projections/index.js';
import type { Lifecycle } from '../../projections/lifecycle.js';

/** The attempt in words, as the log knows it; a migrated Go attempt may have no id or versions. */
function attemptOf(l: Lifecycle): string {
  const versions = l.fromVersion || l.toVersion ? ` (${l.fromVersion ?? 'unknown'} -> ${l.toVersion ?? 'unknown'})` : '';
  return `${l.attemptId ? `attempt ${l.attemptId}` : 'the attempt in progress'}${versions}`;
}

export function reconcileNotes(before: Projections, events: readonly NewEvent[]): string[] {
  const notes: string[] = [];
  for (const [i, e] of events.entries()) {
    // The attempt as it stood when this event came: a Migrated event before it may have begun it.
    // Folded only for the events that are told (most reconciliations tell nothing).
    const target = () => attemptOf(applyNew(before, events.slice(0, i), '', 0).lifecycle);
    if (e.type === 'RolledBack' && e.data.by === 'bootloader') {
      const unseen = events.filter((b) => b.type === 'BootObserved' && b.data.inferred === true).length;
      const boots = unseen > 0 ? `; ${unseen} boot${unseen > 1 ? 's' : ''} of slot ${e.data.fromSlot} never reached the agent` : '';
      notes.push(`GRUB fell back from slot ${e.data.fromSlot} to slot ${e.data.toSlot} (${e.data.reason})${boots}: ${target()} is recorded as rolled back by the bootloader`);
    } else if (e.type === 'AttemptFailed' && e.data.step === 'lost') {
      // Not the attempt in progress: one that ended before the loss, its outcome restored already.
      notes.push(`attempt ${e.attempt}: ${e.data.error}; its end is recorded again (step "lost"), its history unchanged`);
    } else if (e.type === 'AttemptFailed') {
      notes.push(`${target()} ended unfinished: ${e.data.error}; it is recorded as failed`);
    }
  }
  return notes;
}
