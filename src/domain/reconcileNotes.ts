/**
 * What reconciliation found that an operator must hear from the command that found it: a GRUB
 * fallback, or an attempt whose process stopped (a power cut, a kill). Recorded either way; these
 * are the lines a boot-time healthcheck prints on the console, so nobody has to guess why the
 * node runs the old slot. Pure: the lifecycle before, the reconciled events in, sentences out.
 */
import type { NewEvent } from '../../events/types.js';
import type { Lifecycle } from '../../projections/lifecycle.js';

export function reconcileNotes(before: Lifecycle, events: readonly NewEvent[]): string[] {
  const target = `attempt ${before.attemptId ?? '?'} (${before.fromVersion ?? '?'} -> ${before.toVersion ?? '?'})`;
  const notes: string[] = [];
  for (const e of events) {
    if (e.type === 'RolledBack' && e.data.by === 'bootloader') {
      const unseen = events.filter((b) => b.type === 'BootObserved' && b.data.inferred === true).length;
      const boots = unseen > 0 ? `; ${unseen} boot${unseen > 1 ? 's' : ''} of slot ${e.data.fromSlot} never reached the agent` : '';
      notes.push(`GRUB fell back from slot ${e.data.fromSlot} to slot ${e.data.toSlot} (${e.data.reason})${boots}: ${target} is recorded as rolled back by the bootloader`);
    } else if (e.type === 'AttemptFailed') {
      notes.push(`${target} ended unfinished: ${e.data.error}; it is recorded as failed`);
    }
  }
  return notes;
}
