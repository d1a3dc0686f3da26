/** The healthcheck decider: what a boot is, and what results mean — each rule, each refusal. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckResult, NewEvent } from '../../events/types.js';
import type { Projections } from '../../projections/index.js';
import type { NodeFacts } from '../../src/domain/facts.js';
import { healthcheckOutcome, healthcheckStarted, healthMode } from '../../src/domain/healthcheck.js';
import { activatedLog, env, eventsOf, facts, given, holding, missingEnv } from '../helpers/given.js';

const A = 'att-1';
const pass: CheckResult[] = [{ name: 'disk-writable', ok: true, ms: 3 }];
const fail: CheckResult[] = [{ name: 'command', ok: false, ms: 3, detail: 'exited 1' }];
const onTrialB = facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 0), slots: { A: holding('v1'), B: holding('v2') } });
const trialLog = [...activatedLog(), ['boot-2', []] as [string, NewEvent[]]];
const outcome = (checks: CheckResult[], autoAfter = 0) => (p: Projections, f: NodeFacts) => healthcheckOutcome(p, f, healthMode(p, f), checks, autoAfter);

test('on trial (grubenv boot_success=0 for the booted slot, the log has its attempt): started, then a pass marks it good', () => {
  const p = given(trialLog).p;
  const mode = healthMode(p, onTrialB);
  assert.equal(mode, { kind: 'trial', slot: 'B', attempt: A, failures: 0 });
  assert.equal(healthcheckStarted(mode), [{ type: 'HealthcheckStarted', attempt: A, data: {} }]);
  const g = given(trialLog).when(outcome(pass), onTrialB);
  g.then([
    { type: 'Intent', attempt: A, data: { action: 'mark-good', slot: 'B', checks: pass } },
    { type: 'HealthcheckPassed', attempt: A, data: { checks: pass, markedGood: true } },
  ]);
  assert.equal(g.writes(), ['boot_success=1']);
});

test('evidence to pass: no check ran → a configuration error, nothing marked good', () => {
  const g = given(trialLog).when(outcome([]), onTrialB);
  assert.match((g.decision.refusal as { refused: string }).refused, /no health check ran.*evidence to pass/);
  assert.is(g.decision.refusal!.code, 'USAGE');
  assert.equal(eventsOf(g.decision), []);
});

test('a failure on trial is counted; at --auto-rollback-after N, back to the verified fallback', () => {
  given(trialLog).when(outcome(fail, 3), onTrialB).then([{ type: 'HealthcheckFailed', attempt: A, data: { checks: fail, consecutiveFailures: 1 } }]);
  const g = given(trialLog).when(outcome(fail, 1), onTrialB);
  g.then([
    { type: 'HealthcheckFailed', attempt: A, data: { checks: fail, consecutiveFailures: 1 } },
    { type: 'Intent', attempt: A, data: { action: 'rollback', slot: 'A', by: 'auto', reason: '1 consecutive failed health checks' } },
    { type: 'RolledBack', attempt: A, data: { by: 'auto', reason: '1 consecutive failed health checks', fromSlot: 'B', toSlot: 'A' } },
  ]);
  assert.equal(g.writes(), ['active_slot=A boot_counter=3 boot_success=1']);
});

test('no automatic rollback onto a fallback whose bytes are not the verified release', () => {
  const g = given(trialLog).when(outcome(fail, 1), facts({ ...onTrialB, slots: { A: holding('v1', 'changed'), B: holding('v2') } }));
  assert.match((g.decision.rollback as { refused: string }).refused, /not rolling back automatically: slot A: vmlinuz does not match.*fallback intact/);
  assert.equal(g.writes(), []);
});

test('a stable node: a pass or a failure is recorded without an attempt, nothing written', () => {
  const stable = facts({ env: env('A', 3, 1) });
  given([]).when(outcome(pass), stable).then([{ type: 'HealthcheckPassed', data: { checks: pass, markedGood: false } }]);
  given([]).when(outcome(fail, 1), stable).then([{ type: 'HealthcheckFailed', data: { checks: fail, consecutiveFailures: 1 } }]);
});

test('a foreign GRUB script reset boot_success at boot: a pass marks the booted slot good with the counter, so it never flips', () => {
  const foreign = facts({ env: env('A', 2, 0, null) });
  assert.equal(healthMode(given([]).p, foreign), { kind: 'foreign', slot: 'A' });
  const g = given([]).when(outcome(pass), foreign);
  g.then([
    { type: 'Intent', data: { action: 'mark-good', slot: 'A', checks: pass } },
    { type: 'HealthcheckPassed', data: { checks: pass, markedGood: true } },
  ]);
  assert.equal(g.writes(), ['boot_success=1 boot_counter=3']);
});

test('our script, boot_success=0 on the booted slot, no attempt in the log: not marked good here (reconciliation adopts it first)', () => {
  assert.equal(healthMode(given([]).p, facts({ env: env('A', 2, 0) })), { kind: 'stable' });
});

test('the log has a trial but grubenv is missing: the checks are recorded, the trial cannot be marked good (exit 3)', () => {
  const g = given(trialLog).when(outcome(pass), facts({ ...onTrialB, env: missingEnv }));
  assert.is(g.decision.refusal!.code, 'REFUSED');
  assert.match(g.decision.refusal!.refused, /cannot be marked good.*bootenv init/);
  g.then([{ type: 'HealthcheckPassed', attempt: A, data: { checks: pass, markedGood: false, error: 'the checks passed, but slot B cannot be marked good: /boot/grub/grubenv does not exist' } }]);
});

test('a failed mark-good keeps its reason: IntentFailed with what grubenv holds, then the passed checks, not marked good', () => {
  const g = given(trialLog).when(outcome(pass), onTrialB);
  const step = (g.decision.steps[0] as { bootenv: { failed: (e: string, o: unknown) => NewEvent[] } }).bootenv;
  const observed = { active_slot: 'B', boot_counter: 2, boot_success: 0 };
  assert.equal(step.failed('EPERM: operation not permitted', observed), [
    { type: 'IntentFailed', attempt: A, data: { action: 'mark-good', slot: 'B', error: 'EPERM: operation not permitted', observed } },
    { type: 'HealthcheckPassed', attempt: A, data: { checks: pass, markedGood: false, error: 'the checks passed, but marking slot B good failed: EPERM: operation not permitted' } },
  ]);
});

test.run();
