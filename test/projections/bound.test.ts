/**
 * The pure parts of looking back: folding up to a point (a prefix of the log, by seq or by time),
 * grubenv as last recorded, reading a time back, and the snake_case twins.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoredEvent } from '../../events/types.js';
import { foldUntil, isPast } from '../../projections/bound.js';
import { fold } from '../../projections/index.js';
import { isoTime, parseIsoTime } from '../../projections/isoTime.js';
import { evolveRecordedEnv, type RecordedEnv } from '../../projections/recordedEnv.js';
import { snakeCase, withSnakeKeys } from '../../projections/snakeKeys.js';

let seq = 0;
const ev = (type: string, data: unknown, at: number, extra: Partial<StoredEvent> = {}) =>
  ({ seq: ++seq, type, v: 1, at, boot: 'b1', data, ...extra }) as StoredEvent;

test('foldUntil a seq folds exactly the prefix up to it, like fold of that prefix', () => {
  seq = 0;
  const log = [
    ev('OperatorNote', { text: 'a' }, 1000),
    ev('AttemptStarted', { fromVersion: 'v1', fromSlot: 'A', toVersion: 'v2', toSlot: 'B', source: 's' }, 2000, { attempt: 'x' }),
    ev('Staged', { slot: 'B', version: 'v2', artifacts: [] }, 3000, { attempt: 'x' }),
  ];
  const { projections, last } = foldUntil(log, { seq: 2 });
  assert.is(last!.seq, 2);
  assert.equal(projections, fold(log.slice(0, 2)));
  assert.is(projections.lifecycle.phase, 'checking');
  assert.equal(foldUntil(log, { seq: 0 }).last, null);
});

test('foldUntil a time stops at the first event stamped later: a clock stepped back pulls nothing newer in', () => {
  seq = 0;
  const log = [ev('OperatorNote', { text: 'a' }, 1000), ev('OperatorNote', { text: 'b' }, 5000), ev('OperatorNote', { text: 'c' }, 2000)];
  assert.is(foldUntil(log, { time: 3000 }).last!.seq, 1, 'seq 3 (at 2000) comes after seq 2 (at 5000), past the point');
  assert.is(foldUntil(log, { time: 5000 }).last!.seq, 3, 'inclusive: stamped at the point');
  assert.is(foldUntil(log, { time: 999 }).last, null);
  assert.ok(isPast({ seq: 4 }, { seq: 5, at: 0 }) && !isPast({ seq: 5 }, { seq: 5, at: 0 }));
});

test('grubenv as last recorded: boots read it, the agent writes it, inferred boots and failed checks leave it', () => {
  seq = 0;
  const steps: Array<[StoredEvent, Partial<RecordedEnv> | null]> = [
    [ev('BootObserved', { slot: 'A', bootCounter: 3, bootSuccess: 1, versions: {}, script: '1' }, 1), { active_slot: 'A', boot_counter: 3, boot_success: 1, script: '1' }],
    [ev('Activated', { slot: 'B', previousSlot: 'A' }, 2), { active_slot: 'B', boot_counter: 3, boot_success: 0, script: '1' }],
    [ev('BootObserved', { slot: 'B', bootCounter: 2, bootSuccess: 0, versions: {} }, 3), { active_slot: 'B', boot_counter: 2, boot_success: 0, script: '1' }],
    [ev('HealthcheckFailed', { checks: [], consecutiveFailures: 1 }, 4), null],
    [ev('BootObserved', { slot: 'B', bootCounter: 0, bootSuccess: 0, versions: {}, inferred: true }, 5), null],
    [ev('HealthcheckPassed', { checks: [], markedGood: true }, 6), { active_slot: 'B', boot_counter: 2, boot_success: 1 }],
    [ev('RolledBack', { by: 'manual', reason: 'r', fromSlot: 'B', toSlot: 'A' }, 7), { active_slot: 'A', boot_counter: 3, boot_success: 1 }],
    [ev('IntentFailed', { action: 'activate', slot: 'B', error: 'e', observed: { active_slot: 'A', boot_counter: 1, boot_success: 1 } }, 8), { active_slot: 'A', boot_counter: 1 }],
    [ev('BootEnvInitialized', { slot: 'B', bootCounter: 3, bootSuccess: 1, mode: 'verified', replaced: 'x' }, 9), { active_slot: 'B', boot_counter: 3, boot_success: 1 }],
    [ev('BootObserved', { slot: 'A', bootCounter: null, bootSuccess: null, versions: {} }, 10), { active_slot: null, boot_counter: null, boot_success: null }],
  ];
  let r: RecordedEnv | null = null;
  for (const [e, want] of steps) {
    const next = evolveRecordedEnv(r, e);
    if (want === null) assert.is(next, r, `${e.type} #${e.seq} changes nothing`);
    else assert.equal({ ...next, ...want, seq: e.seq }, next, `${e.type} #${e.seq}`);
    r = next;
  }
});

test('parseIsoTime reads a date-time with its zone, and nothing else', () => {
  assert.is(parseIsoTime('2026-12-01T10:20:30.123Z'), Date.UTC(2026, 11, 1, 10, 20, 30, 123));
  assert.is(parseIsoTime('2026-12-01T12:20:30+02:00'), Date.UTC(2026, 11, 1, 10, 20, 30));
  assert.is(parseIsoTime('2026-12-01T10:20Z'), Date.UTC(2026, 11, 1, 10, 20));
  for (const bad of ['2026-12-01', '2026-12-01T10:20:30', '2026-02-30T10:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01T10:60:00Z', 'yesterday', '1733048430', '2026-12-01t10:20:30z']) {
    assert.is(parseIsoTime(bad), null, bad);
  }
  assert.is(isoTime(Date.UTC(2026, 11, 1, 10, 20, 30, 120)), '2026-12-01T10:20:30.120Z', 'the trailing zero stays');
});

test('snake_case twins: added beside each camelCase key at every depth, never over an existing key, and only when needed', () => {
  assert.equal(['lastSeq', 'minCompatibleVersion', 'bootId', 'A', 'eta_s', 'kubesolo-os.gz'].map(snakeCase), ['last_seq', 'min_compatible_version', 'boot_id', 'a', 'eta_s', 'kubesolo-os.gz']);
  const out = withSnakeKeys({ fromVersion: 'v1', checks: [{ name: 'x', msTaken: 3 }], versions: { A: 'v1' }, keepMe: 1, keep_me: 2 });
  assert.is(JSON.stringify(out), '{"fromVersion":"v1","from_version":"v1","checks":[{"name":"x","msTaken":3,"ms_taken":3}],"versions":{"A":"v1"},"keepMe":1,"keep_me":2}');
  const plain = { text: 'a', list: [{ ok: true }] };
  assert.is(withSnakeKeys(plain), plain, 'nothing to add: the same object');
  assert.is(JSON.stringify(withSnakeKeys(JSON.parse('{"__proto__":{"x":1},"aB":1}'))), '{"__proto__":{"x":1},"aB":1,"a_b":1}');
});

test.run();
