/** activate and rollback, rule by rule: given the log and the node, then these events or this refusal. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decideActivate, decideRollback } from '../../src/domain/boot.js';
import { activatedLog, env, facts, given, holding, missingEnv, stagedLog } from '../helpers/given.js';

const A = 'att-1';
const onB = facts({ slots: { A: holding('v1'), B: holding('v2') } });
const rollbackTo = (to: 'A' | 'B' | null) => (p: Parameters<typeof decideRollback>[0], f: Parameters<typeof decideRollback>[1]) => decideRollback(p, f, to, 'manual rollback');

test('activate when staged: Intent → grubenv B on trial → Activated', () => {
  const g = given(stagedLog()).when(decideActivate, onB);
  g.then([
    { type: 'Intent', attempt: A, data: { action: 'activate', slot: 'B' } },
    { type: 'Activated', attempt: A, data: { slot: 'B', previousSlot: 'A' } },
  ]);
  assert.equal(g.writes(), ['active_slot=B boot_counter=3 boot_success=0']);
});

test('activate with nothing staged: refused', () => {
  given([]).when(decideActivate, onB).thenRefuses(/nothing is staged/);
});

test('activate onto a slot whose bytes are not what was staged: refused, not bootable', () => {
  given(stagedLog()).when(decideActivate, facts({ slots: { A: holding('v1'), B: holding('v2', 'tampered') } })).thenRefuses(/slot B is not bootable: .*vmlinuz does not match/);
  given(stagedLog()).when(decideActivate, facts({ slots: { A: holding('v1'), B: holding(null) } })).thenRefuses(/no version file/);
});

test('activate with grubenv missing or incomplete: refused, naming the rule and bootenv init', () => {
  given(stagedLog()).when(decideActivate, facts({ env: missingEnv, slots: onB.slots })).thenRefuses(/never guess the boot environment.*bootenv init/);
  given(stagedLog()).when(decideActivate, facts({ env: env(null, null, null), slots: onB.slots })).thenRefuses(/never guess the boot environment/);
});

test('activate while the running slot is itself on trial: refused, a trial needs a verified fallback', () => {
  given(stagedLog()).when(decideActivate, facts({ env: env('A', 2, 0), slots: onB.slots })).thenRefuses(/fallback intact/);
});

test('activate with the running slot never recorded as verified: refused', () => {
  const log = stagedLog().filter((e) => e.type !== 'Provisioned');
  given(log).when(decideActivate, onB).thenRefuses(/not recorded as verified.*fallback intact/);
});

test('activate again while the switch is pending: nothing to do', () => {
  const g = given(activatedLog()).when(decideActivate, facts({ env: env('B', 3, 0), slots: onB.slots }));
  assert.equal(g.decision, { already: 'B' });
  g.thenNothing();
});

test('rollback during a trial: to the verified fallback, ending the attempt', () => {
  const g = given([...activatedLog(), ['boot-2', []]]).when(rollbackTo(null), facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 0), slots: { A: holding('v1'), B: holding('v2') } }));
  g.then([
    { type: 'Intent', attempt: A, data: { action: 'rollback', slot: 'A', by: 'manual', reason: 'manual rollback' } },
    { type: 'RolledBack', attempt: A, data: { by: 'manual', reason: 'manual rollback', fromSlot: 'B', toSlot: 'A' } },
  ]);
  assert.equal(g.writes(), ['active_slot=A boot_counter=3 boot_success=1']);
});

test('rollback with a switch pending cancels it (back to the running, verified slot)', () => {
  given(activatedLog()).when(rollbackTo(null), facts({ env: env('B', 3, 0), slots: onB.slots })).then([
    { type: 'Intent', attempt: A, data: { action: 'rollback', slot: 'A', by: 'manual', reason: 'manual rollback' } },
    { type: 'RolledBack', attempt: A, data: { by: 'manual', reason: 'manual rollback', fromSlot: 'B', toSlot: 'A' } },
  ]);
});

test('rollback --to the slot on trial: refused — it would mark it good without evidence', () => {
  given([...activatedLog(), ['boot-2', []]]).when(rollbackTo('B'), facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 0), slots: onB.slots })).thenRefuses(/never passed a health check.*fallback intact/);
});

test('rollback to a verified slot whose bytes changed since: refused', () => {
  given([...activatedLog(), ['boot-2', []]]).when(rollbackTo(null), facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 0), slots: { A: holding('v1', 'other'), B: holding('v2') } }))
    .thenRefuses(/no longer holds the verified v1/);
});

test('rollback when GRUB already boots the running slot verified and the other slot holds an unverified release: nothing', () => {
  given(stagedLog()).when(rollbackTo(null), onB).thenNothing();
  given(stagedLog()).when(rollbackTo('B'), onB).thenRefuses(/never passed a health check/);
  given(stagedLog()).when(rollbackTo('A'), onB).thenNothing();
});

test('rollback with grubenv unreadable or the booted slot unknown: refused', () => {
  given(activatedLog()).when(rollbackTo(null), facts({ env: missingEnv })).thenRefuses(/never guess the boot environment/);
  given(activatedLog()).when(rollbackTo(null), facts({ booted: null })).thenRefuses(/booted slot is unknown/);
});

test('rollback after a success is an act of its own: no attempt id, so the attempt keeps its one outcome', () => {
  const log = [...activatedLog(), ['boot-2', [
    { type: 'HealthcheckStarted', attempt: A, data: {} },
    { type: 'HealthcheckPassed', attempt: A, data: { checks: [{ name: 'c', ok: true, ms: 1 }], markedGood: true } },
  ]] as [string, never[]]];
  given(log).when(rollbackTo(null), facts({ bootId: 'boot-2', booted: 'B', env: env('B', 2, 1), slots: { A: holding('v1'), B: holding('v2') } })).then([
    { type: 'Intent', data: { action: 'rollback', slot: 'A', by: 'manual', reason: 'manual rollback' } },
    { type: 'RolledBack', data: { by: 'manual', reason: 'manual rollback', fromSlot: 'B', toSlot: 'A' } },
  ]);
});

test.run();
