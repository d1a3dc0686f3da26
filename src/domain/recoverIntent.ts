/**
 * Reconciliation rule 3: an Intent whose outcome the log does not have (the writer died between
 * them). grubenv shows whether the effect happened: if so, the outcome is recorded as recovered;
 * if not, IntentAbandoned. With grubenv unreadable nothing is guessed: the intent stays open —
 * except bootenv's, whose effect is a complete block: without one, it did not happen.
 */
import type { NewEvent } from '../../events/types.js';
import type { Lifecycle } from '../../projections/lifecycle.js';
import { isCompleteVars, other, type NodeFacts } from './facts.js';

export function recoverIntent(l: Lifecycle, f: NodeFacts): NewEvent[] {
  const i = l.pendingIntent;
  const v = f.env.vars;
  // bootenv writes a complete block: anything less means it did not happen.
  if (i?.action === 'bootenv' && !(v && v.active_slot === i.slot && isCompleteVars(v))) return [{ type: 'IntentAbandoned', data: { action: i.action, slot: i.slot } }];
  if (!i || !v) return [];
  const attempt = i.attempt;
  const at = v.active_slot === i.slot;
  if (i.action === 'activate' && at && v.boot_success !== 1) {
    return [{ type: 'Activated', attempt, data: { slot: i.slot, previousSlot: other(i.slot), recovered: true } }];
  }
  if (i.action === 'rollback' && at && v.boot_success === 1) {
    return [{ type: 'RolledBack', attempt, data: { by: i.by ?? 'manual', reason: i.reason ?? 'rollback', fromSlot: other(i.slot), toSlot: i.slot, recovered: true } }];
  }
  if (i.action === 'mark-good' && at && v.boot_success === 1) {
    return [{ type: 'HealthcheckPassed', attempt, data: { checks: i.checks ?? [], markedGood: true, recovered: true } }];
  }
  if (i.action === 'bootenv' && isCompleteVars(v)) {
    return [{ type: 'BootEnvInitialized', data: { slot: i.slot, bootCounter: v.boot_counter, bootSuccess: v.boot_success, mode: v.boot_success === 0 ? 'continue-trial' : 'verified', replaced: 'recovered after the writer stopped' } }];
  }
  return [{ type: 'IntentAbandoned', attempt, data: { action: i.action, slot: i.slot } }];
}
