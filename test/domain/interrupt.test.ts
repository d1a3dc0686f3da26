/** The interruption decider: what stopping in each phase records, by a signal or by a death (reconciliation). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent } from '../../events/types.js';
import { PHASES } from '../../projections/lifecycle.js';
import { interruption, interruptionSaid } from '../../src/domain/interrupt.js';
import { activatedLog, given, stagedLog } from '../helpers/given.js';

const A = 'att-1';
const lifecycleOf = (log: NewEvent[]) => given(log).p.lifecycle;
const checking = lifecycleOf(stagedLog().slice(0, 3));
const downloading = lifecycleOf(stagedLog().slice(0, 4));
const staged = lifecycleOf(stagedLog());
const activated = lifecycleOf(activatedLog());
const verifying = lifecycleOf([...activatedLog(), { type: 'HealthcheckFailed', attempt: A, data: { checks: [], consecutiveFailures: 1 } }, { type: 'HealthcheckStarted', attempt: A, data: {} }]);

test('checking or downloading: the attempt fails as interrupted, naming the signal', () => {
  assert.equal([checking.phase, downloading.phase], ['checking', 'downloading']);
  assert.equal(interruption(downloading, 'SIGTERM'), [{ type: 'AttemptFailed', attempt: A, data: { step: 'interrupted', error: 'stopped by SIGTERM while downloading', signal: 'SIGTERM' } }]);
  assert.equal(interruption(checking, 'SIGINT'), [{ type: 'AttemptFailed', attempt: A, data: { step: 'interrupted', error: 'stopped by SIGINT while checking', signal: 'SIGINT' } }]);
  assert.match(interruptionSaid(downloading, 'SIGTERM'), /^stopped by SIGTERM while downloading: attempt att-1 is recorded as failed \(step "interrupted"\); the next apply resumes/);
});

test('verifying: back to activated with nothing counted (the failures so far kept), naming the signal', () => {
  assert.is(verifying.phase, 'verifying');
  const out = interruption(verifying, 'SIGTERM');
  assert.equal(out, [{ type: 'HealthcheckFailed', attempt: A, data: { checks: [], consecutiveFailures: 1, interrupted: true, signal: 'SIGTERM' } }]);
  assert.is(given([...activatedLog(), { type: 'HealthcheckStarted', attempt: A, data: {} }, ...out]).p.lifecycle.phase, 'activated');
  assert.match(interruptionSaid(verifying, 'SIGTERM'), 'slot B stays on trial (activated)');
});

test('resting and ended phases: nothing is recorded, nothing fails', () => {
  assert.equal([staged.phase, activated.phase], ['staged', 'activated']);
  for (const l of [staged, activated, given([]).p.lifecycle]) {
    assert.equal(interruption(l, 'SIGTERM'), [], l.phase);
    assert.match(interruptionSaid(l, 'SIGINT'), `stopped by SIGINT after the step in progress; nothing was cut short (phase ${l.phase})`);
  }
});

test('a process that died (no signal): the texts reconciliation has always recorded, no signal field', () => {
  assert.equal(interruption(downloading, null), [{ type: 'AttemptFailed', attempt: A, data: { step: 'interrupted', error: 'the process running this attempt stopped while downloading' } }]);
  assert.equal(interruption(verifying, null), [{ type: 'HealthcheckFailed', attempt: A, data: { checks: [], consecutiveFailures: 1, interrupted: true } }]);
  // Every phase has an answer, and only these three record anything.
  const recording = PHASES.filter((p) => interruption({ ...staged, phase: p }, 'SIGTERM').length > 0);
  assert.equal(recording, ['checking', 'downloading', 'verifying']);
});

test.run();
