/** The reconciliation decider, rule by rule: given the log, and what the system shows now, then these events. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent } from '../../events/types.js';
import { applyNew } from '../../projections/applyNew.js';
import { initialLifecycle } from '../../projections/lifecycle.js';
import { initialNode } from '../../projections/node.js';
import { reconcile, type EnvVars, type ReconcileFacts } from '../../src/domain/reconcile.js';

const A = 'att-1';
/** The log so far, written in boot `boot`. */
function given(events: Array<[string, NewEvent[]]>) {
  let l = initialLifecycle(), n = initialNode();
  for (const [boot, es] of events) [l, n] = applyNew(l, n, es, boot, 0);
  return (facts: Partial<ReconcileFacts> & { env: EnvVars | null }) =>
    reconcile(l, n, { bootId: 'boot-1', booted: 'A', versions: {}, ...facts }, (l2, n2, es) => applyNew(l2, n2, es, facts.bootId ?? 'boot-1', 0));
}
const env = (active_slot: string, boot_counter: number, boot_success: number): EnvVars => ({ active_slot, boot_counter, boot_success });
const seen = (slot: 'A' | 'B', counter: number, success: number): NewEvent => ({ type: 'BootObserved', data: { slot, bootCounter: counter, bootSuccess: success, versions: {} } });
const staged: NewEvent[] = [
  { type: 'AttemptStarted', attempt: A, data: { fromVersion: 'v1', fromSlot: 'A', toVersion: 'v2', toSlot: 'B', source: 's' } },
  { type: 'Staged', attempt: A, data: { slot: 'B', version: 'v2', artifacts: [] } },
];
const activated: NewEvent[] = [...staged, { type: 'Intent', attempt: A, data: { action: 'activate', slot: 'B' } }, { type: 'Activated', attempt: A, data: { slot: 'B', previousSlot: 'A' } }];

test('nothing to do: same boot, no intent, resting phase', () => {
  assert.equal(given([['boot-1', [seen('A', 3, 1)]]])({ env: env('A', 3, 1) }), []);
});

test('a machine with no KubeSolo boot facts observes nothing', () => {
  assert.equal(given([])({ booted: null, env: null }), []);
});

test('rule 1: a new boot id is observed once, with the slot versions', () => {
  const out = given([['boot-1', [seen('A', 3, 1)]]])({ bootId: 'boot-2', env: env('A', 3, 1), versions: { A: 'v1' } });
  assert.equal(out, [{ type: 'BootObserved', data: { slot: 'A', bootCounter: 3, bootSuccess: 1, versions: { A: 'v1' } } }]);
});

test('rule 1: boots the agent never saw during a trial are inferred from the counter', () => {
  const g = given([['boot-1', [seen('A', 3, 1), ...activated]]]);
  const out = g({ bootId: 'boot-4', booted: 'B', env: env('B', 0, 0) });
  assert.equal(out.map((e) => e.type === 'BootObserved' ? `${e.data.slot}${e.data.bootCounter}${e.data.inferred ? '?' : ''}` : e.type), ['B2?', 'B1?', 'B0']);
});

test('rule 2: never a rollback right after activate, before a reboot', () => {
  const g = given([['boot-1', [seen('A', 3, 1), ...activated]]]);
  assert.equal(g({ bootId: 'boot-1', booted: 'A', env: env('B', 3, 0) }), []);
});

test('rule 2: booted on the other slot after a later boot, grubenv moved off the trial slot → bootloader rollback', () => {
  const g = given([['boot-1', [seen('A', 3, 1), ...activated]], ['boot-2', [seen('B', 2, 0)]]]);
  const out = g({ bootId: 'boot-5', booted: 'A', env: env('A', 3, 1) });
  assert.equal(out.map((e) => e.type), ['BootObserved', 'BootObserved', 'BootObserved', 'RolledBack']);
  assert.equal(out[3], { type: 'RolledBack', attempt: A, data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: 'B', toSlot: 'A' } });
});

test('rule 2: booted on the old slot by hand while grubenv still points at the trial slot → no rollback', () => {
  const g = given([['boot-1', [seen('A', 3, 1), ...activated]]]);
  const out = g({ bootId: 'boot-2', booted: 'A', env: env('B', 3, 0) });
  assert.equal(out.map((e) => e.type), ['BootObserved']);
});

test('rule 3: an intent whose effect is visible gets its outcome, recovered; one whose effect is not is abandoned', () => {
  const g = given([['boot-1', [seen('A', 3, 1), ...staged, { type: 'Intent', attempt: A, data: { action: 'activate', slot: 'B' } }]]]);
  assert.equal(g({ env: env('B', 3, 0) }), [{ type: 'Activated', attempt: A, data: { slot: 'B', previousSlot: 'A', recovered: true } }]);
  assert.equal(g({ env: env('A', 3, 1) }), [{ type: 'IntentAbandoned', attempt: A, data: { action: 'activate', slot: 'B' } }]);
  const rb = given([['boot-1', [seen('A', 3, 1), { type: 'Intent', data: { action: 'rollback', slot: 'B', by: 'auto', reason: 'r' } }]]]);
  assert.equal(rb({ env: env('B', 3, 1) }), [{ type: 'RolledBack', data: { by: 'auto', reason: 'r', fromSlot: 'A', toSlot: 'B', recovered: true } }]);
});

test('rule 4: checking/downloading left behind fail as interrupted; verifying returns to activated; staged rests', () => {
  const started = given([['boot-1', [seen('A', 3, 1), staged[0]]]]);
  assert.equal(started({ env: env('A', 3, 1) }), [{ type: 'AttemptFailed', attempt: A, data: { step: 'interrupted', error: 'the process running this attempt stopped while checking' } }]);
  assert.equal(given([['boot-1', [seen('A', 3, 1), ...staged]]])({ env: env('A', 3, 1) }), []);
  const verifying = given([['boot-1', [seen('A', 3, 1), ...activated]], ['boot-2', [seen('B', 2, 0), { type: 'HealthcheckStarted', attempt: A, data: {} }]]]);
  assert.equal(verifying({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 0) }), [{ type: 'HealthcheckFailed', attempt: A, data: { checks: [], consecutiveFailures: 0, interrupted: true } }]);
});

test.run();
