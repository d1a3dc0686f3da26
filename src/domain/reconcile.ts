/**
 * Reconciliation (DESIGN.md §6): what a writer command must record before anything else, given
 * the log's view and what the system says now. Pure: facts in, events out. The four rules, in
 * order, each seeing the events of the ones before:
 *   1. a new boot id → BootObserved, preceded by `inferred` boots the agent never saw (the trial
 *      counter moved by more than one);
 *   2. an attempt on trial, a boot *after* its activation on the other slot, and grubenv no longer
 *      pointing at the trial slot → RolledBack {by: "bootloader"} (never just because the node
 *      has not rebooted yet);
 *   3. an Intent without its outcome → the outcome with recovered: true if grubenv shows the
 *      effect, else IntentAbandoned;
 *   4. checking or downloading left behind (we hold the lock: nobody is doing it) →
 *      AttemptFailed {step: "interrupted"}; verifying left behind → back to activated
 *      (HealthcheckFailed {interrupted: true}, nothing counted): the next healthcheck decides.
 */
import type { NewEvent, Slot } from '../../events/types.js';
import type { Lifecycle } from '../../projections/lifecycle.js';
import type { NodeView } from '../../projections/node.js';

export interface EnvVars { active_slot: string | null; boot_counter: number | null; boot_success: number | null }

export interface ReconcileFacts {
  /** The boot id stamped on events now. */
  bootId: string;
  booted: Slot | null;
  /** The GRUB environment block's variables; null when it cannot be read. */
  env: EnvVars | null;
  versions: Partial<Record<Slot, string>>;
}

const otherSlot = (s: Slot): Slot => (s === 'A' ? 'B' : 'A');

function observeBoot(l: Lifecycle, n: NodeView, f: ReconcileFacts): NewEvent[] {
  // Nothing to observe on a machine that is not booting KubeSolo slots (a sandbox, a workstation).
  if (n.lastBoot?.boot === f.bootId || (f.booted === null && f.env === null)) return [];
  const out: NewEvent[] = [];
  const t = l.trial;
  if (t && f.env && f.env.boot_counter !== null && (l.phase === 'activated' || l.phase === 'verifying')) {
    const fellBack = f.env.active_slot !== t.slot && f.env.boot_success === 1;
    const unseen = fellBack ? t.counter : Math.max(0, t.counter - f.env.boot_counter - 1);
    for (let k = 0; k < unseen; k++) {
      out.push({ type: 'BootObserved', data: { slot: t.slot, bootCounter: t.counter - 1 - k, bootSuccess: 0, versions: {}, inferred: true } });
    }
  }
  out.push({ type: 'BootObserved', data: { slot: f.booted, bootCounter: f.env?.boot_counter ?? null, bootSuccess: f.env?.boot_success ?? null, versions: { ...f.versions } } });
  return out;
}

function bootloaderRollback(l: Lifecycle, f: ReconcileFacts): NewEvent[] {
  const t = l.trial;
  if (!t || (l.phase !== 'activated' && l.phase !== 'verifying')) return [];
  if (f.bootId === t.boot || f.booted === null || f.booted === t.slot || !f.env || f.env.active_slot === t.slot) return [];
  return [{ type: 'RolledBack', attempt: l.attemptId, data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: t.slot, toSlot: f.booted } }];
}

function resolveIntent(l: Lifecycle, f: ReconcileFacts): NewEvent[] {
  const i = l.pendingIntent;
  if (!i || !f.env) return [];
  const attempt = i.attempt;
  const at = f.env.active_slot === i.slot;
  if (i.action === 'activate' && at && f.env.boot_success !== 1) {
    return [{ type: 'Activated', attempt, data: { slot: i.slot, previousSlot: otherSlot(i.slot), recovered: true } }];
  }
  if (i.action === 'rollback' && at && f.env.boot_success === 1) {
    return [{ type: 'RolledBack', attempt, data: { by: i.by ?? 'manual', reason: i.reason ?? 'rollback', fromSlot: otherSlot(i.slot), toSlot: i.slot, recovered: true } }];
  }
  if (i.action === 'mark-good' && at && f.env.boot_success === 1) {
    return [{ type: 'HealthcheckPassed', attempt, data: { checks: [], markedGood: true, recovered: true } }];
  }
  return [{ type: 'IntentAbandoned', attempt, data: { action: i.action, slot: i.slot } }];
}

function interrupted(l: Lifecycle): NewEvent[] {
  if (l.phase === 'verifying') {
    return [{ type: 'HealthcheckFailed', attempt: l.attemptId, data: { checks: [], consecutiveFailures: l.healthCheckFailures, interrupted: true } }];
  }
  if (l.phase !== 'checking' && l.phase !== 'downloading') return [];
  return [{ type: 'AttemptFailed', attempt: l.attemptId, data: { step: 'interrupted', error: `the process running this attempt stopped while ${l.phase}` } }];
}

/** Leaves `attempt` out rather than undefined, so events compare and serialize cleanly. */
function tidy(e: NewEvent): NewEvent {
  if (e.attempt !== undefined) return e;
  const { attempt: _none, ...rest } = e;
  return rest as NewEvent;
}

/**
 * The events reconciliation appends. `evolve` folds each rule's events into the lifecycle before
 * the next rule looks (the shell passes the projection fold).
 */
export function reconcile(l0: Lifecycle, n0: NodeView, f: ReconcileFacts, evolve: (l: Lifecycle, n: NodeView, events: NewEvent[]) => [Lifecycle, NodeView]): NewEvent[] {
  const out: NewEvent[] = [];
  let l = l0, n = n0;
  for (const rule of [(a: Lifecycle, b: NodeView) => observeBoot(a, b, f), (a: Lifecycle) => bootloaderRollback(a, f), (a: Lifecycle) => resolveIntent(a, f), interrupted]) {
    const events = rule(l, n).map(tidy);
    if (events.length === 0) continue;
    out.push(...events);
    [l, n] = evolve(l, n, events);
  }
  return out;
}
