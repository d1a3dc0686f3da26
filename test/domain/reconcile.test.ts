/** The reconciliation decider, rule by rule: given the log, and what the node shows now, then these events. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent } from '../../events/types.js';
import { applyNew } from '../../projections/applyNew.js';
import { PROJECTION_VERSION } from '../../projections/index.js';
import { carriedFrom } from '../../projections/loss.js';
import { reconcile } from '../../src/domain/reconcile.js';
import { activatedLog, artifacts, env, facts, given, holding, stagedLog } from '../helpers/given.js';

const A = 'att-1';
type Batch = NewEvent | [string, NewEvent[]];
const seen = (slot: 'A' | 'B', counter: number, success: number): NewEvent => ({ type: 'BootObserved', data: { slot, bootCounter: counter, bootSuccess: success, versions: {} } });
const provisioned: NewEvent = { type: 'Provisioned', data: { slot: 'A', version: 'v1', artifacts: artifacts('v1'), how: 'found' } };
const run = (log: Batch[], f = facts()) => given(log).when(reconcile, f).decision;
const kinds = (es: NewEvent[]) => es.map((e) => (e.type === 'BootObserved' ? `${e.data.slot}${e.data.bootCounter}${e.data.inferred ? '?' : ''}` : e.type));

test('nothing to do: same boot, no intent, resting phase', () => {
  assert.equal(run([provisioned, seen('A', 3, 1)]), []);
});

test('a machine with no KubeSolo boot facts observes nothing', () => {
  assert.equal(run([], facts({ booted: null, env: { state: 'missing', vars: null, script: null, problem: 'x', file: 'g' } })), []);
});

test('rule 0: an empty log and the Go agent\'s state.json → Migrated, with grubenv\'s active slot', () => {
  const out = run([], facts({ upstreamState: { phase: 'success', to_version: 'v1' } }));
  assert.equal(out[0], { type: 'Migrated', data: { state: { phase: 'success', to_version: 'v1' }, activeSlot: 'A' } });
});

test('rule 1: a new boot id is observed once, with the slot versions and the GRUB script\'s mark', () => {
  const out = run([provisioned, seen('A', 3, 1)], facts({ bootId: 'boot-2' }));
  assert.equal(out, [{ type: 'BootObserved', data: { slot: 'A', bootCounter: 3, bootSuccess: 1, versions: { A: 'v1', B: 'v0' }, script: '1' } }]);
});

test('rule 1: boots the agent never saw during a trial are inferred from the counter', () => {
  const out = run([seen('A', 3, 1), ...activatedLog()], facts({ bootId: 'boot-4', booted: 'B', env: env('B', 0, 0) }));
  assert.equal(kinds(out), ['B2?', 'B1?', 'B0']);
});

test('rule 2: never a rollback right after activate, before a reboot', () => {
  assert.equal(run([seen('A', 3, 1), ...activatedLog()], facts({ env: env('B', 3, 0) })), []);
});

test('rule 2: booted on the other slot after a later boot, grubenv moved off the trial slot → bootloader rollback', () => {
  const out = run([seen('A', 3, 1), ...activatedLog(), ['boot-2', [seen('B', 2, 0)]]], facts({ bootId: 'boot-5', env: env('A', 3, 1) }));
  assert.equal(kinds(out), ['B1?', 'B0?', 'A3', 'RolledBack']);
  assert.equal(out[3], { type: 'RolledBack', attempt: A, data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: 'B', toSlot: 'A' } });
});

test('rule 2: booted on the old slot by hand while grubenv still points at the trial slot → no rollback', () => {
  assert.equal(kinds(run([seen('A', 3, 1), ...activatedLog()], facts({ bootId: 'boot-2', env: env('B', 3, 0) }))), ['A3']);
});

test('rule 3: an intent whose effect is visible gets its outcome, recovered; one whose effect is not is abandoned', () => {
  const log = [seen('A', 3, 1), ...stagedLog(), { type: 'Intent', attempt: A, data: { action: 'activate', slot: 'B' } } as NewEvent];
  assert.equal(run(log, facts({ env: env('B', 3, 0) })), [{ type: 'Activated', attempt: A, data: { slot: 'B', previousSlot: 'A', recovered: true } }]);
  assert.equal(run(log), [{ type: 'IntentAbandoned', attempt: A, data: { action: 'activate', slot: 'B' } }]);
  const rb = [provisioned, seen('A', 3, 1), { type: 'Intent', data: { action: 'rollback', slot: 'B', by: 'auto', reason: 'r' } } as NewEvent];
  assert.equal(run(rb, facts({ env: env('B', 3, 1) })), [{ type: 'RolledBack', data: { by: 'auto', reason: 'r', fromSlot: 'A', toSlot: 'B', recovered: true } }]);
});

test('rule 3: a mark-good recovered keeps the checks its intent carried', () => {
  const checks = [{ name: 'c', ok: true, ms: 1 }];
  const log: Batch[] = [...activatedLog(), ['boot-2', [seen('B', 2, 0), { type: 'HealthcheckStarted', attempt: A, data: {} }, { type: 'Intent', attempt: A, data: { action: 'mark-good', slot: 'B', checks } }]]];
  assert.equal(run(log, facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 1) })), [{ type: 'HealthcheckPassed', attempt: A, data: { checks, markedGood: true, recovered: true } }]);
});

test('rule 4: checking/downloading left behind fail as interrupted; verifying returns to activated; staged rests', () => {
  const startedOnly = stagedLog().slice(0, 2);
  assert.equal(run([seen('A', 3, 1), ...startedOnly]), [{ type: 'AttemptFailed', attempt: A, data: { step: 'interrupted', error: 'the process running this attempt stopped while checking' } }]);
  assert.equal(run([seen('A', 3, 1), ...stagedLog()]), []);
  const verifying: Batch[] = [seen('A', 3, 1), ...activatedLog(), ['boot-2', [seen('B', 2, 0), { type: 'HealthcheckStarted', attempt: A, data: {} }]]];
  assert.equal(run(verifying, facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 0) })), [{ type: 'HealthcheckFailed', attempt: A, data: { checks: [], consecutiveFailures: 0, interrupted: true } }]);
});

/** The log a loss left: `kept`, then the LogLost the next writer records, carrying the checkpoint's fold of `kept` and `lost`. */
function afterLoss(kept: Batch[], lost: Batch[]): Batch[] {
  const checkpoint = given([...kept, ...lost]).p;
  const from = given(kept).p.lifecycle.seq + 1, to = checkpoint.lifecycle.seq;
  const carried = carriedFrom(PROJECTION_VERSION, checkpoint) as unknown as Record<string, unknown>;
  return [...kept, { type: 'LogLost', data: { from, to, lostHead: null, evidence: 'the checkpoint', reason: 'the log ends early', carried } }];
}

test('rule 4: an attempt whose outcome only the lost range held → AttemptFailed {lost}, once, changing nothing else', () => {
  const kept = [seen('A', 3, 1), ...stagedLog().slice(0, 2)], lost: Batch[] = [{ type: 'AttemptFailed', attempt: A, data: { step: 'interrupted', error: 'stopped' } }];
  const log = afterLoss(kept, lost);
  const out = run(log);
  assert.equal(out, [{ type: 'AttemptFailed', attempt: A, data: { step: 'lost', error: 'the log lost the record of how this attempt ended (event 4); the checkpoint that proved the loss records it as failed' } }]);
  const checkpoint = given([...kept, ...lost]).p, after = applyNew(given(log).p, out, 'boot-1', 0);
  assert.equal({ ...after.lifecycle, seq: 0 }, { ...checkpoint.lifecycle, seq: 0 });
  assert.equal(after.history, checkpoint.history);
  assert.equal(run([...log, ...out]), []);
});

test('rule 4: a trial whose marking pass only the lost range held stays a success when its end is recorded', () => {
  const trial: Batch[] = [seen('A', 3, 1), ...activatedLog(), ['boot-2', [seen('B', 2, 0), { type: 'HealthcheckStarted', attempt: A, data: {} }]]];
  const log = afterLoss(trial, [['boot-2', [{ type: 'HealthcheckPassed', attempt: A, data: { checks: [], markedGood: true } }]]]);
  const f = facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 1) });
  const out = run(log, f);
  assert.equal(kinds(out), ['AttemptFailed']);
  assert.match((out[0].data as { error: string }).error, /records it as a success$/);
  const after = applyNew(given(log).p, out, 'boot-2', 0);
  assert.is(after.lifecycle.phase, 'success');
  assert.is(after.lifecycle.verified.B?.version, 'v2');
  assert.is(after.history.attempts[0].outcome, 'success');
});

test('rule 5: a log that knows nothing of the slots, booted verified → the running slot Provisioned (found)', () => {
  assert.equal(run([seen('A', 3, 1)]), [{ type: 'Provisioned', data: { slot: 'A', version: 'v1', artifacts: artifacts('v1'), how: 'found' } }]);
  assert.equal(run([seen('A', 3, 1)], facts({ env: env('B', 3, 1) })), [], 'not the running slot: nothing found to record');
});

test('rule 6: a trial grubenv no longer shows, with no boot since: the block was changed by hand; the attempt ends, saying so', () => {
  const out = run([seen('A', 3, 1), ...activatedLog(), ['boot-2', [seen('B', 2, 0)]]], facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 1) }));
  assert.equal(kinds(out), ['AttemptFailed']);
  assert.match((out[0].data as { error: string }).error, /marks slot B good .* no health check of this trial passed/);
});

test('rule 7: a trial grubenv shows and the log has no attempt for → TrialAdopted, a new attempt, its fallback recorded', () => {
  const f = facts({ env: env('A', 2, 0), slots: { A: holding('v2'), B: holding('v1') } });
  const out = run([seen('A', 2, 0)], f);
  assert.equal(out, [{ type: 'TrialAdopted', attempt: 'new-attempt', data: {
    slot: 'A', previousSlot: 'B', bootCounter: 2, version: 'v2', artifacts: artifacts('v2'),
    fallback: { version: 'v1', artifacts: artifacts('v1') }, reason: 'grubenv shows a trial the log has no open attempt for' } }]);
});

test('rule 7: a foreign GRUB script\'s every-boot reset of the booted slot is not a trial; a pending one on the other slot is', () => {
  assert.equal(run([provisioned, seen('A', 2, 0)], facts({ env: env('A', 2, 0, null) })), []);
  assert.equal(kinds(run([provisioned, seen('A', 3, 1)], facts({ env: env('B', 3, 0, null), slots: { A: holding('v1'), B: holding('v2') } }))), ['TrialAdopted']);
});

test('rule 7: a migrated Go attempt left activated is adopted as itself, not as a new attempt', () => {
  const migrated: NewEvent = { type: 'Migrated', data: { state: { phase: 'activated', from_version: 'v1', to_version: 'v2' }, activeSlot: 'B' } };
  const out = run([migrated, seen('A', 3, 0)], facts({ env: env('B', 3, 0, null), slots: { A: holding('v1'), B: holding('v2') } }));
  assert.equal(kinds(out), ['TrialAdopted']);
  assert.is(out[0].attempt, 'migrated-1');
  assert.is((out[0].data as { reason: string }).reason, 'the Go agent left this attempt on trial');
});

test.run();
