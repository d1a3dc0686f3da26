/** The lifecycle fold, event by event: given these events, state.json says this. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent, StoredEvent } from '../../events/types.js';
import { evolveLifecycle, initialLifecycle, type Lifecycle } from '../../projections/lifecycle.js';

let seq = 0;
function given(batches: NewEvent[]): Lifecycle {
  seq = 0;
  return batches.reduce((s, e) => evolveLifecycle(s, { ...e, seq: ++seq, v: 1, at: seq * 1000, boot: 'b' } as StoredEvent), initialLifecycle());
}
const start = (to: string, attempt = `a-${to}-${Math.random()}`): NewEvent => ({ type: 'AttemptStarted', attempt, data: { fromVersion: 'v1', fromSlot: 'A', toVersion: to, toSlot: 'B', source: 's' } });
const failed = (error = 'boom'): NewEvent => ({ type: 'AttemptFailed', data: { step: 'download', error } });
const check = (): NewEvent => ({ type: 'UpdateChecked', data: { current: 'v1', latest: 'v2', available: true } });
const activated: NewEvent[] = [{ type: 'Staged', data: { slot: 'B', version: 'v2', artifacts: [] } }, { type: 'Activated', data: { slot: 'B', previousSlot: 'A' } }];
const hcFail = (n: number, attempt: string | undefined = 'att'): NewEvent => ({ type: 'HealthcheckFailed', attempt, data: { checks: [{ name: 'api', ok: false, ms: 1, detail: 'timeout' }], consecutiveFailures: n } });
const hcPass: NewEvent = { type: 'HealthcheckPassed', attempt: 'att', data: { checks: [{ name: 'api', ok: true, ms: 1 }], markedGood: true } };

test('a new node is idle with nothing counted', () => {
  assert.equal(given([]), initialLifecycle());
});

test('a passive check never counts as an attempt', () => {
  const s = given([check(), check()]);
  assert.is(s.phase, 'idle');
  assert.is(s.attemptCount, 0);
  assert.is(s.seq, 2);
});

test('a retry after failed counts; a new target restarts at 1 (upstream bug §9.5 fixed)', () => {
  assert.is(given([start('v2'), failed(), start('v2')]).attemptCount, 2);
  assert.is(given([start('v2'), failed(), start('v2'), failed(), start('v2')]).attemptCount, 3);
  assert.is(given([start('v2'), failed(), start('v3')]).attemptCount, 1);
});

test('apply walks checking → downloading → staged; a step error is failed with the error', () => {
  assert.is(given([start('v2')]).phase, 'checking');
  assert.is(given([start('v2'), { type: 'DownloadStarted', data: { artifact: 'vmlinuz', url: 'u' } }]).phase, 'downloading');
  assert.is(given([start('v2'), activated[0]]).phase, 'staged');
  const f = given([start('v2'), failed('disk full')]);
  assert.equal([f.phase, f.lastError], ['failed', 'disk full']);
});

test('a failed healthcheck after activation stays activated, counting failures, with last_error', () => {
  const s = given([start('v2', 'att'), ...activated, { type: 'HealthcheckStarted', attempt: 'att', data: {} }, hcFail(1), hcFail(2)]);
  assert.is(s.phase, 'activated');
  assert.is(s.healthCheckFailures, 2);
  assert.is(s.lastError, 'healthcheck failed: api (timeout)');
});

test('a passing healthcheck on trial is success and clears the error; on a stable node nothing changes', () => {
  const s = given([start('v2', 'att'), ...activated, hcFail(1), hcPass]);
  assert.equal([s.phase, s.lastError, s.healthCheckFailures], ['success', undefined, 0]);
  const beforeReboot = given([start('v2', 'att'), ...activated, { ...hcFail(1), attempt: undefined }, { ...hcPass, attempt: undefined }]);
  assert.equal([beforeReboot.phase, beforeReboot.healthCheckFailures], ['activated', 0], 'checks of the old slot (no attempt id) do not count');
  const stable = given([check(), hcPass, hcFail(1)]);
  assert.equal([stable.phase, stable.healthCheckFailures], ['idle', 0]);
});

test('a rollback of the attempt on trial records the reason and rejects the version', () => {
  const s = given([start('v2', 'att'), ...activated, { type: 'RolledBack', attempt: 'att', data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: 'B', toSlot: 'A' } }]);
  assert.equal([s.phase, s.lastError, s.rejected], ['rolled_back', 'boot counter exhausted', ['v2']]);
});

test('a rollback that is no attempt\'s (after a failed apply) rejects nothing', () => {
  const s = given([start('v2', 'att'), failed(), { type: 'RolledBack', data: { by: 'manual', reason: 'manual rollback', fromSlot: 'A', toSlot: 'B' } }]);
  assert.equal([s.phase, s.rejected], ['rolled_back', []]);
});

test('unknown types and newer versions are ignored, only the position moves', () => {
  const s0 = given([start('v2')]);
  const foreign = { seq: 99, type: 'FromTheFuture', v: 1, at: 5, boot: 'b', data: {}, foreign: true } as StoredEvent;
  assert.equal(evolveLifecycle(s0, foreign), { ...s0, seq: 99 });
});

test('Migrated takes over the Go agent\'s state, dropping what it cannot read', () => {
  const s = given([{ type: 'Migrated', data: { activeSlot: null, state: {
    phase: 'activated', from_version: 'v0.3.0', to_version: 'v0.3.1', started_at: '2026-10-01T10:00:00Z', last_error: '', attempt_count: 2, health_check_failures: 'x' } } }]);
  assert.equal([s.phase, s.fromVersion, s.toVersion, s.startedAt, s.lastError, s.attemptCount, s.healthCheckFailures],
    ['activated', 'v0.3.0', 'v0.3.1', Date.UTC(2026, 9, 1, 10), undefined, 2, 0]);
  assert.is(given([{ type: 'Migrated', data: { activeSlot: null, state: { phase: 'exploded' } } }]).phase, 'idle');
});

test.run();
