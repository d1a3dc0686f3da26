/**
 * The grubenv writes, each written once: activate (a trial), roll back (a verified boot of
 * another slot, by an operator or by the health check), mark good (a trial passed) and bootenv
 * init. Every one is Intent → grubenv → outcome; a failed write keeps its reason (IntentFailed).
 */
import type { BootVars, CheckResult, NewEvent, Slot } from '../../events/types.js';
import { TRIAL_BOOTS } from './facts.js';
import type { BootEnvStep } from './plan.js';

const att = (attempt: string | undefined) => (attempt === undefined ? {} : { attempt });

type IntentEvent = Extract<NewEvent, { type: 'Intent' }>;

function failedWith(action: IntentEvent, attempt: string | undefined, more: (error: string) => NewEvent[] = () => []) {
  return (error: string, observed: BootVars | null): NewEvent[] => [
    { type: 'IntentFailed', ...att(attempt), data: { action: action.data.action, slot: action.data.slot, error, observed } },
    ...more(error),
  ];
}

/** Points GRUB at `slot` on trial: TRIAL_BOOTS boots to pass a health check, else GRUB falls back. */
export function activateStep(slot: Slot, previousSlot: Slot, attempt: string | undefined): BootEnvStep {
  const intent: IntentEvent = { type: 'Intent', ...att(attempt), data: { action: 'activate', slot } };
  return {
    name: 'activate', intent,
    set: { active_slot: slot, boot_counter: TRIAL_BOOTS, boot_success: 0 },
    outcome: [{ type: 'Activated', ...att(attempt), data: { slot, previousSlot } }],
    failed: failedWith(intent, attempt),
  };
}

export interface RollbackSpec { target: Slot; from: Slot; by: 'manual' | 'auto'; reason: string; attempt: string | undefined }

/** Points GRUB at `target` as a verified boot. Deciders only call it for a verified target. */
export function rollbackStep(r: RollbackSpec): BootEnvStep {
  const intent: IntentEvent = { type: 'Intent', ...att(r.attempt), data: { action: 'rollback', slot: r.target, by: r.by, reason: r.reason } };
  return {
    name: r.by === 'auto' ? 'auto-rollback' : 'rollback', intent,
    set: { active_slot: r.target, boot_counter: TRIAL_BOOTS, boot_success: 1 },
    outcome: [{ type: 'RolledBack', ...att(r.attempt), data: { by: r.by, reason: r.reason, fromSlot: r.from, toSlot: r.target } }],
    failed: failedWith(intent, r.attempt),
  };
}

/**
 * Marks the booted slot good after its checks passed. Under a foreign GRUB script (one that
 * resets boot_success and counts down on every boot) the counter is reset too, as the Go agent
 * did, so a healthy node never flips. A failed write is recorded as exactly that: the checks
 * passed, the boot was not marked good.
 */
export function markGoodStep(slot: Slot, attempt: string | undefined, checks: CheckResult[], foreign: boolean): BootEnvStep {
  const intent: IntentEvent = { type: 'Intent', ...att(attempt), data: { action: 'mark-good', slot, checks } };
  return {
    name: 'healthcheck', intent,
    set: foreign ? { boot_success: 1, boot_counter: TRIAL_BOOTS } : { boot_success: 1 },
    outcome: [{ type: 'HealthcheckPassed', ...att(attempt), data: { checks, markedGood: true } }],
    failed: failedWith(intent, attempt, (error) => [
      { type: 'HealthcheckPassed', ...att(attempt), data: { checks, markedGood: false, error: `the checks passed, but marking slot ${slot} good failed: ${error}` } },
    ]),
  };
}
