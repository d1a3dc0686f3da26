/** What reconciliation tells the operator: a GRUB fallback and an unfinished attempt, in words. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent } from '../../events/types.js';
import { initialProjections, type Projections } from '../../projections/index.js';
import type { Phase } from '../../projections/lifecycle.js';
import { reconcileNotes } from '../../src/domain/reconcileNotes.js';

const on = (phase: Phase): Projections => {
  const p = initialProjections();
  return { ...p, lifecycle: { ...p.lifecycle, phase, attemptId: 'att-1', fromVersion: 'v1.1.0', toVersion: 'v1.2.0' } };
};
const before = on('activated');
const inferred = (counter: number): NewEvent => ({ type: 'BootObserved', data: { slot: 'A', bootCounter: counter, bootSuccess: 0, versions: {}, inferred: true } });

test('a GRUB fallback names both slots, the boots the agent never saw, and the attempt', () => {
  const events: NewEvent[] = [inferred(2), inferred(1), inferred(0),
    { type: 'BootObserved', data: { slot: 'B', bootCounter: 3, bootSuccess: 1, versions: {} } },
    { type: 'RolledBack', attempt: 'att-1', data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: 'A', toSlot: 'B' } }];
  assert.equal(reconcileNotes(before, events), [
    'GRUB fell back from slot A to slot B (boot counter exhausted); 3 boots of slot A never reached the agent: attempt att-1 (v1.1.0 -> v1.2.0) is recorded as rolled back by the bootloader',
  ]);
});

test('an attempt whose process stopped is said to have ended, with the reason recorded', () => {
  const events: NewEvent[] = [{ type: 'AttemptFailed', attempt: 'att-1', data: { step: 'download', error: 'the process running this attempt stopped while downloading' } }];
  assert.equal(reconcileNotes(on('downloading'), events), [
    'attempt att-1 (v1.1.0 -> v1.2.0) ended unfinished: the process running this attempt stopped while downloading; it is recorded as failed',
  ]);
});

test('an attempt whose recorded end the log lost is named by its id, not as the attempt in progress', () => {
  const error = 'the log lost the record of how this attempt ended (event 6); the checkpoint that proved the loss records it as failed';
  const events: NewEvent[] = [{ type: 'AttemptFailed', attempt: 'att-0', data: { step: 'lost', error } }];
  assert.equal(reconcileNotes(on('downloading'), events), [`attempt att-0: ${error}; its end is recorded again (step "lost"), its history unchanged`]);
});

test('a Go agent caught downloading: the attempt migrated just before is the one named', () => {
  const events: NewEvent[] = [
    { type: 'Migrated', data: { state: { phase: 'downloading', from_version: 'v1.0.0', to_version: 'v1.1.0' }, activeSlot: 'A' } },
    { type: 'AttemptFailed', data: { step: 'download', error: 'the process running this attempt stopped while downloading' } },
  ];
  const [note] = reconcileNotes(initialProjections(), events);
  assert.match(note, /\(v1\.0\.0 -> v1\.1\.0\) ended unfinished: the process running this attempt stopped while downloading/);
  assert.not.match(note, /\?/, 'no placeholder for what the log knows');
});

test('a plain boot observed, a provisioning or a recovered intent says nothing', () => {
  assert.equal(reconcileNotes(before, [{ type: 'BootObserved', data: { slot: 'A', bootCounter: 3, bootSuccess: 1, versions: {} } }]), []);
});

test.run();
