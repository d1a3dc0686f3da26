/**
 * The healthcheck decider, in two halves around the checks themselves: before, what this boot
 * is (on trial, reset by a foreign GRUB script, stable, or unknowable); after, what the results
 * mean — mark the trial good, count a failure, roll back automatically. A trial passes only on
 * evidence: at least one check that ran and passed.
 */
import type { CheckResult, NewEvent, Slot } from '../../events/types.js';
import type { Projections } from '../../projections/index.js';
import { holds, other, ourScript, trialIn, type NodeFacts } from './facts.js';
import { refuse, type Refusal, type Step } from './plan.js';
import { byRule } from './rules.js';
import { markGoodStep, rollbackStep } from './steps.js';

/**
 * - `trial`: the booted slot is on trial (grubenv says so, the log has its attempt);
 * - `foreign`: a GRUB script that is not ours reset boot_success on this boot (it does on every
 *   boot): a pass marks the boot good, as the Go agent did, so a healthy node does not flip;
 * - `unknown`: the log has a trial on the booted slot, but grubenv cannot be read;
 * - `stable`: nothing is on trial here.
 */
export type HealthMode = { kind: 'trial'; slot: Slot; attempt: string; failures: number } | { kind: 'foreign'; slot: Slot } | { kind: 'unknown'; slot: Slot; attempt: string; failures: number; problem: string } | { kind: 'stable' };

export function healthMode(p: Projections, f: NodeFacts): HealthMode {
  const l = p.lifecycle;
  const logTrial = (l.phase === 'activated' || l.phase === 'verifying') && l.trial !== null && l.trial.slot === f.booted && l.attemptId ? l.trial : null;
  const t = trialIn(f.env);
  if (logTrial && t && t.slot === logTrial.slot) return { kind: 'trial', slot: t.slot, attempt: l.attemptId!, failures: l.healthCheckFailures };
  if (logTrial && f.env.state !== 'ok') return { kind: 'unknown', slot: logTrial.slot, attempt: l.attemptId!, failures: l.healthCheckFailures, problem: f.env.problem ?? 'grubenv is incomplete' };
  if (t && t.slot === f.booted && !ourScript(f.env)) return { kind: 'foreign', slot: t.slot };
  return { kind: 'stable' };
}

/** What is recorded before the checks run. */
export function healthcheckStarted(mode: HealthMode): NewEvent[] {
  return mode.kind === 'trial' ? [{ type: 'HealthcheckStarted', attempt: mode.attempt, data: {} }] : [];
}

export interface HealthOutcome { ok: boolean; markGood: Slot | null; failures: number; steps: Step[]; rollback: { target: Slot } | { refused: string } | null; refusal: Refusal | null }

/**
 * The results' consequences. `autoAfter` > 0: at that many consecutive failures on trial, GRUB is
 * pointed back at the fallback — only if it still holds the release this node verified.
 */
export function healthcheckOutcome(p: Projections, f: NodeFacts, mode: HealthMode, checks: CheckResult[], autoAfter: number): HealthOutcome {
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  const attempt = mode.kind === 'trial' || mode.kind === 'unknown' ? mode.attempt : undefined;
  const base = { ok, markGood: null, failures: 0, rollback: null, refusal: null };
  if (checks.length === 0) {
    return { ...base, steps: [], refusal: refuse(`no health check ran; a trial passes only on evidence ${byRule('evidence')}`, [], 'USAGE') };
  }
  if (ok) {
    if (mode.kind === 'trial' || mode.kind === 'foreign') return { ...base, markGood: mode.slot, steps: [{ bootenv: markGoodStep(mode.slot, attempt, checks, !ourScript(f.env)) }] };
    if (mode.kind === 'unknown') {
      const error = `the checks passed, but slot ${mode.slot} cannot be marked good: ${mode.problem}`;
      return { ...base, steps: [{ record: [{ type: 'HealthcheckPassed', attempt, data: { checks, markedGood: false, error } }] }], refusal: refuse(`${error} ${byRule('bootEnv')}; 'kubesolo-update bootenv init' continues the trial`) };
    }
    return { ...base, steps: [{ record: [{ type: 'HealthcheckPassed', data: { checks, markedGood: false } }] }] };
  }
  const failures = mode.kind === 'trial' || mode.kind === 'unknown' ? mode.failures + 1 : 1;
  const steps: Step[] = [{ record: [{ type: 'HealthcheckFailed', ...(attempt ? { attempt } : {}), data: { checks, consecutiveFailures: failures } }] }];
  if (mode.kind !== 'trial' || autoAfter <= 0 || failures < autoAfter) return { ...base, failures, steps };
  const target = other(mode.slot);
  const verified = p.lifecycle.verified[target];
  const still = verified ? holds(target, f.slots[target], verified.artifacts) : { ok: false as const, reason: `slot ${target} holds no release this node verified` };
  if (!still.ok) return { ...base, failures, steps, rollback: { refused: `not rolling back automatically: ${still.reason} ${byRule('fallback')}` } };
  const reason = `${failures} consecutive failed health checks`;
  steps.push({ bootenv: rollbackStep({ target, from: mode.slot, by: 'auto', reason, attempt }) });
  return { ...base, failures, steps, rollback: { target } };
}
