/**
 * Deciders for the bootloader commands, activate and rollback: pure rules over the projections
 * and the node's facts. Nothing overrides "never point GRUB at a slot that is not bootable", nor
 * "a rollback only boots, as verified, a release this node verified".
 */
import type { Slot } from '../../events/types.js';
import type { Projections } from '../../projections/index.js';
import { holds, isCompleteVars, other, type NodeFacts } from './facts.js';
import { refuse, type Refusal, type Step } from './plan.js';
import { bootEnvRefusal, byRule, unknownBooted } from './rules.js';
import { activateStep, rollbackStep } from './steps.js';

export type ActivateDecision = Refusal | { already: Slot } | { slot: Slot; previousSlot: Slot; steps: Step[] };

export function decideActivate(p: Projections, f: NodeFacts): ActivateDecision {
  const l = p.lifecycle;
  const v = f.env.vars;
  // Run again after it succeeded (a retry after a crash, a timer): the same answer, nothing written.
  if (l.phase === 'activated' && l.toSlot && l.toSlot !== f.booted && v?.active_slot === l.toSlot && v.boot_success === 0) return { already: l.toSlot };
  if (l.phase !== 'staged' || !l.toSlot) return refuse(`nothing is staged to activate (phase ${l.phase}); run apply first`);
  if (f.booted === null) return unknownBooted('touch the bootloader');
  if (f.env.state !== 'ok' || !isCompleteVars(v)) return bootEnvRefusal(f.env, 'start a trial');
  if (l.toSlot === f.booted) return refuse(`the staged slot ${l.toSlot} is the one running now; nothing to switch to`);
  if (v.active_slot !== f.booted || v.boot_success !== 1) {
    return refuse(`GRUB does not boot the running slot ${f.booted} as verified (active_slot=${v.active_slot}, boot_success=${v.boot_success}); a trial needs a verified fallback ${byRule('fallback')}`);
  }
  if (!l.verified[f.booted]) return refuse(`the running slot ${f.booted} is not recorded as verified, so it cannot be the fallback of a trial ${byRule('fallback')}; 'kubesolo-update bootenv init' or a passing health check records it`);
  const target = holds(l.toSlot, f.slots[l.toSlot], l.toArtifacts ?? [], 'recorded when it was staged');
  if (!target.ok) return refuse(`slot ${l.toSlot} is not bootable: ${target.reason}`);
  return { slot: l.toSlot, previousSlot: f.booted, steps: [{ bootenv: activateStep(l.toSlot, f.booted, l.attemptId) }] };
}

export type RollbackDecision = Refusal | { nothing: string } | { target: Slot; from: Slot; steps: Step[] };

/**
 * With a switch pending, back to the booted slot (cancelling it); else to the other slot; `to`
 * names it. The target must hold a release this node verified, byte for byte. Pointing at where
 * GRUB already points, as a verified boot, changes nothing.
 */
/** The slot a rollback would point GRUB at (its bytes are then read), or null when it points nowhere new. */
export function rollbackSlot(f: NodeFacts, to: Slot | null): Slot | null {
  const v = f.env.vars;
  if (f.booted === null || f.env.state !== 'ok' || !isCompleteVars(v)) return null;
  const slot = to ?? (v.active_slot !== f.booted ? f.booted : other(f.booted));
  return slot === v.active_slot && v.boot_success === 1 ? null : slot;
}

export function decideRollback(p: Projections, f: NodeFacts, to: Slot | null, reason: string): RollbackDecision {
  const l = p.lifecycle;
  if (f.booted === null) return unknownBooted('touch the bootloader');
  const v = f.env.vars;
  if (f.env.state !== 'ok' || !isCompleteVars(v)) return bootEnvRefusal(f.env, 'roll back');
  const current = v.active_slot;
  const slot = rollbackSlot(f, to);
  if (slot === null) return { nothing: `GRUB already boots slot ${current}; nothing to roll back` };
  const verified = l.verified[slot];
  if (!verified) {
    const attempts = slot === l.toSlot && l.phase !== 'success';
    if (to === null && current === f.booted && v.boot_success === 1) {
      const what = attempts ? `${l.toVersion ?? 'a release'} that never passed a health check (phase ${l.phase})` : 'no release this node verified';
      return { nothing: `GRUB already boots slot ${f.booted}, verified; slot ${slot} holds ${what}: nothing to roll back` };
    }
    const what = attempts ? `${l.toVersion ?? 'the release'} from attempt ${l.attemptId}, which never passed a health check (phase ${l.phase})` : 'no release this node verified';
    return refuse(`slot ${slot} holds ${what}; a rollback only goes to a verified release ${byRule('fallback')} — to drop a staged release, do not activate it`);
  }
  const still = holds(slot, f.slots[slot], verified.artifacts, 'recorded when it was verified');
  if (!still.ok) return refuse(`slot ${slot} no longer holds the verified ${verified.version ?? 'release'}: ${still.reason}`);
  // A rollback during a trial ends that attempt; any other is an act of its own.
  const onTrial = (l.phase === 'activated' || l.phase === 'verifying') && l.trial !== null;
  const attempt = onTrial ? l.attemptId : undefined;
  return { target: slot, from: current, steps: [{ bootenv: rollbackStep({ target: slot, from: current, by: 'manual', reason, attempt }) }] };
}
