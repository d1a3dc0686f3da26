/**
 * `bootenv init`: writes a complete GRUB environment block from what the log knows, never a
 * guess. In order: an open trial is continued (its slot, boot_success=0, the counter the log
 * last saw); else the booted slot is marked good if this node verified the release it holds;
 * else, on a node the log knows nothing about, the booted slot is recorded as provisioned and
 * marked good. Anything else is refused: no block marks a slot good without a record.
 */
import type { NewEvent, Slot } from '../../events/types.js';
import type { Projections } from '../../projections/index.js';
import { holds, other, TRIAL_BOOTS, type NodeFacts } from './facts.js';
import { refuse, type BootEnvStep, type Refusal, type Step } from './plan.js';
import { byRule, unknownBooted } from './rules.js';

export type BootEnvMode = 'continue-trial' | 'verified' | 'provisioned';
export type BootEnvDecision = Refusal | { nothing: string } | { slot: Slot; mode: BootEnvMode; counter: number; success: 0 | 1; steps: Step[] };

export function decideBootEnvInit(p: Projections, f: NodeFacts): BootEnvDecision {
  const l = p.lifecycle;
  if (f.env.state === 'ok') {
    const v = f.env.vars!;
    return { nothing: `${f.env.file} is complete (active_slot=${v.active_slot} boot_counter=${v.boot_counter} boot_success=${v.boot_success}); nothing to write` };
  }
  if (f.booted === null) return unknownBooted('write the boot environment');
  const replaced = f.env.state === 'missing' ? 'missing' : f.env.state === 'incomplete' ? 'incomplete' : 'unreadable';
  const step = (slot: Slot, mode: BootEnvMode, counter: number, success: 0 | 1, before: NewEvent[] = []) => {
    const s: BootEnvStep = {
      name: 'bootenv', create: true,
      intent: { type: 'Intent', ...(mode === 'continue-trial' && l.attemptId ? { attempt: l.attemptId } : {}), data: { action: 'bootenv', slot } },
      set: { active_slot: slot, boot_counter: counter, boot_success: success },
      outcome: [{ type: 'BootEnvInitialized', data: { slot, bootCounter: counter, bootSuccess: success, mode, replaced } }],
      failed: (error, observed) => [{ type: 'IntentFailed', data: { action: 'bootenv', slot, error, observed } }],
    };
    return { slot, mode, counter, success, steps: [...(before.length ? [{ record: before }] : []), { bootenv: s }] };
  };
  const t = l.trial;
  if (t && (l.phase === 'activated' || l.phase === 'verifying')) {
    if (!l.verified[other(t.slot)]) return refuse(`the open trial of slot ${t.slot} has no verified fallback in slot ${other(t.slot)} ${byRule('fallback')}`);
    // The counter as the log last knew it: never more boots than the trial had left.
    return step(t.slot, 'continue-trial', Math.min(t.counter, TRIAL_BOOTS), 0);
  }
  const verified = l.verified[f.booted];
  if (verified) {
    const still = holds(f.booted, f.slots[f.booted], verified.artifacts);
    if (!still.ok) return refuse(`the booted slot ${f.booted} no longer holds the verified ${verified.version ?? 'release'}: ${still.reason}`);
    return step(f.booted, 'verified', TRIAL_BOOTS, 1);
  }
  if (!l.slotsKnown) {
    const content = f.slots[f.booted];
    if (!content?.version || !content.artifacts?.length) return refuse(`the booted slot ${f.booted} holds no complete image to record as provisioned`);
    const provisioned: NewEvent = { type: 'Provisioned', data: { slot: f.booted, version: content.version, artifacts: content.artifacts, how: 'bootenv' } };
    return step(f.booted, 'provisioned', TRIAL_BOOTS, 1, [provisioned]);
  }
  return refuse(`the booted slot ${f.booted} holds no release this node verified, and the log knows this node's slots: refusing to mark it good without a record ${byRule('bootEnv')}`);
}
