/**
 * Deciders for the bootloader commands: pure rules over the lifecycle and the live facts the
 * shell gathered. A refusal is a sentence for the operator (exit 3); nothing overrides
 * "never point GRUB at a slot that is not bootable".
 */
import type { Slot } from '../../events/types.js';
import type { Lifecycle } from '../../projections/lifecycle.js';
import type { EnvVars } from './reconcile.js';

export type Bootability = { ok: true } | { ok: false; reason: string };
export interface Refused { refused: string }

const other = (s: Slot): Slot => (s === 'A' ? 'B' : 'A');

export function decideActivate(l: Lifecycle, booted: Slot | null, target: Bootability): Refused | { already: Slot } | { slot: Slot; previousSlot: Slot } {
  // Run again after it succeeded (a retry after a crash, a timer): the same answer, nothing written.
  if (l.phase === 'activated' && l.toSlot && l.toSlot !== booted) return { already: l.toSlot };
  if (l.phase !== 'staged' || !l.toSlot) return { refused: `nothing is staged to activate (phase ${l.phase}); run apply first` };
  if (booted === null) return { refused: 'the booted slot is unknown (no kubesolo.slot= on the kernel command line); refusing to touch the bootloader' };
  if (l.toSlot === booted) return { refused: `the staged slot ${l.toSlot} is the one running now; nothing to switch to` };
  if (!target.ok) return { refused: `slot ${l.toSlot} is not bootable: ${target.reason}` };
  return { slot: l.toSlot, previousSlot: booted };
}

export type RollbackDecision = Refused | { nothing: string } | { target: Slot; from: Slot };

/**
 * With a switch pending, back to the booted slot (cancelling it); else to the other slot; `to`
 * names it. Pointing at where GRUB already points, as a verified boot, changes nothing.
 */
export function decideRollback(l: Lifecycle, booted: Slot | null, env: EnvVars | null, to: Slot | null, target: (s: Slot) => Bootability): RollbackDecision {
  if (booted === null) return { refused: 'the booted slot is unknown (no kubesolo.slot= on the kernel command line); refusing to touch the bootloader' };
  if (!env) return { refused: 'the GRUB environment block cannot be read; see the error above' };
  const current = env.active_slot === 'A' || env.active_slot === 'B' ? env.active_slot : booted;
  const slot = to ?? (current !== booted ? booted : other(booted));
  if (slot === current && env.boot_success === 1) return { nothing: `GRUB already boots slot ${slot}; nothing to roll back` };
  // A rollback boots its target as verified, skipping the trial: never onto what the current
  // attempt wrote (staged, half-written or rejected) — only a success verified that.
  if (slot === l.toSlot && slot !== booted && l.phase !== 'success') {
    if (to === null && current === booted && env.boot_success === 1) {
      return { nothing: `GRUB already boots slot ${booted}, verified; slot ${slot} holds ${l.toVersion ?? 'a release'} that never passed a health check (phase ${l.phase}): nothing to roll back` };
    }
    return { refused: `slot ${slot} holds ${l.toVersion ?? 'the release'} from attempt ${l.attemptId}, which never passed a health check (phase ${l.phase}); a rollback only goes to a verified release — to drop a staged release, do not activate it` };
  }
  const t = target(slot);
  if (!t.ok) return { refused: `slot ${slot} is not bootable: ${t.reason}` };
  return { target: slot, from: current };
}
