/** Which offered releases may be read at all with a key configured: the statement's serial, its expiry, the Go-era opt-in. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptedSerial, judgeAuthenticity, type Authenticity } from '../../src/domain/authenticity.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const seen = (serial: number, expires = '2026-12-31T00:00:00Z') => ({ key: 'k1', serial, expires, published: '2026-12-01T00:00:00Z' });
const offer = (o: Partial<Authenticity> = {}): Authenticity => ({ keyConfigured: true, signed: true, statement: seen(10), url: 'reg/kubesolo/os:stable@sha256:x', ...o });
const rules = { now: NOW, highestSerial: null as number | null, allowLegacy: false };

test('no key: anything is read (the shell warns), nothing is recorded as accepted', () => {
  assert.is(judgeAuthenticity(offer({ keyConfigured: false, signed: false, statement: null }), rules, 'v1.0.0'), null);
  assert.equal(acceptedSerial(offer({ keyConfigured: false })), {});
});

test('a statement at or above the highest accepted serial passes, and its serial is what UpdateChecked keeps', () => {
  assert.is(judgeAuthenticity(offer(), { ...rules, highestSerial: 10 }, 'v1.0.0'), null);
  assert.is(judgeAuthenticity(offer(), { ...rules, highestSerial: 3 }, 'v1.0.0'), null);
  assert.equal(acceptedSerial(offer()), { statement: { key: 'k1', serial: 10 } });
});

test('an older serial is a replay: refused (exit 1) and recorded as a failed check', () => {
  const r = judgeAuthenticity(offer(), { ...rules, highestSerial: 11 }, 'v1.0.0')!;
  assert.is(r.code, 'FAILED');
  assert.match(r.refused, /serial 10, older than serial 11 this node already accepted from key k1: a replayed older publication is refused/);
  assert.equal(r.events.map((e) => e.type), ['UpdateChecked']);
  assert.is((r.events[0].data as { error: string }).error, r.refused);
});

test('an expired statement is refused, naming its expiry and the clock', () => {
  const r = judgeAuthenticity(offer({ statement: seen(10, '2026-12-01T11:59:59Z') }), rules, 'v1.0.0')!;
  assert.match(r.refused, /\(serial 10\) expired at 2026-12-01T11:59:59Z; the publisher must sign it again .*or this node's clock is wrong/);
});

test('Go-era signature without a statement: refused by default, accepted with allow_legacy_signature', () => {
  const legacy = offer({ statement: null });
  assert.match(judgeAuthenticity(legacy, rules, null)!.refused, /signed the Go agent's way, without a signed statement .* allow_legacy_signature=1/);
  assert.is(judgeAuthenticity(legacy, { ...rules, allowLegacy: true }, null), null);
});

test('unsigned with a key: refused whatever else is allowed', () => {
  const r = judgeAuthenticity(offer({ signed: false, statement: null }), { ...rules, allowLegacy: true }, null)!;
  assert.match(r.refused, /is not signed \(no signed statement\): refusing to act on unauthenticated metadata \(safety rule: authenticated facts only\)/);
});

test.run();
