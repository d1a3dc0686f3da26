/** The apply decider, rule by rule: which slot it may write, and what it records about an offered release. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent } from '../../events/types.js';
import { decideApplyStart, decideRelease, decideWindow, type Offer } from '../../src/domain/apply.js';
import { parseWindow, type Window } from '../../src/domain/window.js';
import { activatedLog, artifacts, env, facts, given, missingEnv, stagedLog } from '../helpers/given.js';

const open = { window: null, minute: 600, force: false, blockedBy: null };
const start = (f = facts()) => decideApplyStart(f, open, []);
const gates = { channel: null, arch: 'amd64', allowDowngrade: false, allowRejected: false };
const offer = (version: string, o: Partial<Offer> = {}): Offer => ({
  release: { version, channel: null, architecture: null, minCompatibleVersion: null, artifacts: artifacts(version).map((a) => ({ ...a, size: a.bytes })) },
  url: 'http://127.0.0.1/latest.json', signed: true, statement: null, keyConfigured: true, ...o,
});
const release = (o: Offer, f = facts()) => (p: Parameters<typeof decideRelease>[0]) => decideRelease(p, f, 'B', o, gates, { now: 0, highestSerial: null, allowLegacy: true });
const deferred = (d: unknown) => ((d as { events: NewEvent[] }).events ?? []).map((e) => e.type);

test('the passive slot of a node booted verified is the one to write', () => {
  assert.equal(start(), { target: 'B' });
});

test('a trial on the booted slot: its fallback is never written (UpdateDeferred, exit 3, what ends the trial)', () => {
  const d = start(facts({ env: env('A', 2, 0) }));
  assert.match((d as { refused: string }).refused, /slot A is on trial .* slot B is its fallback: apply would overwrite slot B \(safety rule: fallback intact\); the trial ends when/);
  assert.equal(deferred(d), ['UpdateDeferred']);
});

test('a trial pending on the passive slot (activated, not rebooted): refused', () => {
  const d = start(facts({ env: env('B', 3, 0) }));
  assert.match((d as { refused: string }).refused, /slot B is on trial.*fallback intact.*rollback' cancels it/);
});

test('a verified switch pending (after a rollback, before the reboot): refused, it would overwrite what boots next', () => {
  const d = start(facts({ env: env('B', 3, 1) }));
  assert.match((d as { refused: string }).refused, /a switch to slot B is pending/);
  assert.equal(deferred(d), ['UpdateDeferred']);
});

test('grubenv missing or incomplete, or the booted slot unknown: refused with UpdateDeferred', () => {
  for (const f of [facts({ env: missingEnv }), facts({ env: env(null, 3, 1) }), facts({ booted: null })]) {
    const d = start(f);
    assert.ok('refused' in d, JSON.stringify(f.env));
    assert.equal(deferred(d), ['UpdateDeferred']);
  }
});

test('the maintenance window: closed refuses before anything else; --force skips it', () => {
  const w = { raw: '02:00-04:00', window: parseWindow('02:00-04:00') as Window };
  assert.match(decideWindow({ window: w, minute: 600, force: false })!.refused, /outside the maintenance window 02:00-04:00/);
  assert.is(decideWindow({ window: w, minute: 150, force: false }), null);
  assert.is(decideWindow({ window: w, minute: 600, force: true }), null);
});

test('the node-block label refuses unless --force', () => {
  assert.match((decideApplyStart(facts(), { ...open, blockedBy: 'node n1 is blocked' }, []) as { refused: string }).refused, /node n1 is blocked/);
  assert.equal(decideApplyStart(facts(), { ...open, blockedBy: 'node n1 is blocked', force: true }, []), { target: 'B' });
});

test('with a key configured, unsigned metadata fails closed: UpdateChecked {error}, exit 1, no attempt', () => {
  const g = given(stagedLog()).when(release(offer('v3', { signed: false })));
  g.thenRefuses(/not signed.*authenticated facts only/, 'FAILED');
  assert.equal(eventsTypes(g.decision), ['UpdateChecked']);
});

test('the running version offered: up to date, no attempt', () => {
  const d = given([]).when(release(offer('v1'))).decision;
  assert.equal(d, { upToDate: 'v1', events: [{ type: 'UpdateChecked', data: { current: 'v1', latest: 'v1', available: false } }] });
});

test('a new release: UpdateChecked (what apply saw), AttemptStarted and MetadataFetched with the signed artifacts; an attempt left staged ends first, superseded', () => {
  const d = given(stagedLog()).when(release(offer('v3'))).decision;
  assert.equal(eventsTypes(d), ['UpdateChecked', 'AttemptFailed', 'AttemptStarted', 'MetadataFetched']);
  const [checked, sup] = (d as { events: NewEvent[] }).events;
  assert.equal(checked, { type: 'UpdateChecked', data: { current: 'v1', latest: 'v3', available: true } });
  assert.equal(sup, { type: 'AttemptFailed', attempt: 'att-1', data: { step: 'superseded', error: 'superseded by v3 before it was activated' } });
});

test('the same release already staged (same version and bytes): nothing to download', () => {
  const d = given(stagedLog()).when(release(offer('v2'))).decision;
  assert.ok('alreadyStaged' in (d as object));
});

test('a rolled-back release is rejected by version and by its bytes relabelled', () => {
  const rolledBack: NewEvent[] = [...activatedLog({ to: 'v2' }), { type: 'RolledBack', attempt: 'att-1', data: { by: 'auto', reason: 'r', fromSlot: 'B', toSlot: 'A' } }];
  given(rolledBack).when(release(offer('v2'))).thenRefuses(/v2 was rolled back before/);
  const relabelled = offer('v9');
  relabelled.release = { ...relabelled.release, artifacts: artifacts('v2').map((a) => ({ ...a, size: a.bytes })) };
  const g = given(rolledBack).when(release(relabelled));
  g.thenRefuses(/v9 has the same artifacts \(SHA-256\) as a release that was rolled back/);
  assert.equal(eventsTypes(g.decision), ['UpdateChecked', 'AttemptStarted', 'MetadataFetched', 'AttemptFailed']);
});

test('a downgrade is a gate: AttemptFailed {gate: downgrade}, exit 3', () => {
  const g = given([]).when(release(offer('v0')));
  g.thenRefuses(/older than the running v1/);
  const last = (g.decision as unknown as { events: NewEvent[] }).events.at(-1)!;
  assert.is(last.type, 'AttemptFailed');
  assert.equal([last.attempt, (last.data as { step: string; gate: string }).step, (last.data as { gate: string }).gate], ['new-attempt', 'gate', 'downgrade']);
  const [checked] = (g.decision as unknown as { events: NewEvent[] }).events;
  assert.equal(checked, { type: 'UpdateChecked', data: { current: 'v1', latest: 'v0', available: false } }, 'an older release is offered, not available');
});

function eventsTypes(d: unknown): string[] {
  return ((d as { events?: NewEvent[] }).events ?? []).map((e) => e.type);
}

test.run();
