/**
 * Fuzzing state.json as the first writer reads it for migration (parseUpstreamState): our own
 * state.json, the Go agent's, JSON-aware mutations (wrong types, deep nesting, huge strings,
 * boundary numbers), byte mutations and random bytes. It never throws; what it returns can be
 * appended as a Migrated record (within the log's 1 MiB payload cap) and folded and rendered.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_PAYLOAD, decodePayload, encodePayload } from '../../events/format.js';
import type { StoredEvent } from '../../events/types.js';
import { historyJson } from '../../projections/historyView.js';
import { evolve, fold, initialProjections } from '../../projections/index.js';
import { parseUpstreamState, renderStateJson, stateJson } from '../../projections/stateFile.js';
import { randomBatches } from '../helpers/randomEvents.js';
import { tmpDir } from '../helpers/tmp.js';
import { CLI_CASES, CLI_JOBS, assertCliOutcome, assertMix, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { BOUNDARY_NUMBERS, mutate, randomBytes, randomText } from './mutate.js';
import { mulberry32, rngFrom, type Rng } from './prng.js';

const FILE = 'fuzz/stateJson.test.js';
const PHASES = ['idle', 'checking', 'downloading', 'staged', 'activated', 'verifying', 'success', 'rolled_back', 'failed', 'exploded', ''];
const DICT = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', 'false', '"phase"', '"phase":"staged"', '"seq":1', '"__proto__":', '"constructor":',
  '\\u0000', '\\ud800', '\\"', '1e999', '[[[[[[[[[[', '{"a":{"a":{"a":', '\uFEFF'];

/** Our own state.json, from a fold of random events. */
function ours(r: Rng): Buffer {
  const events: StoredEvent[] = [];
  let seq = 1;
  for (const batch of randomBatches(r.u32(), r.int(40))) {
    for (const e of batch) events.push({ ...e, seq: seq++, at: 1.7e12 + seq * 1000, boot: 'b', v: 1 } as unknown as StoredEvent);
  }
  return Buffer.from(renderStateJson(stateJson(fold(events).lifecycle, 1.7e12 + r.int(1e9))));
}

function randomJson(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 4 : 7)) {
    case 0: return r.pick(PHASES);
    case 1: return Number(r.pick(BOUNDARY_NUMBERS.filter((n) => /^-?\d/.test(n))));
    case 2: return r.pick([null, true, false, -1, 0, 2 ** 53, 1e308]);
    case 3: return randomText(r, [], 40).toString('utf8');
    case 4: return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    case 5: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['phase', 'a', '__proto__', 'seq', 'x']), randomJson(r, depth + 1)]));
    default: return r.pick(['2026-10-01T10:00:00Z', '0001-01-01T00:00:00Z', '275760-09-13T00:00:00.001Z', 'not a time', '+275760-09-13T00:00:00Z']);
  }
}

/** The Go agent's state.json (MarshalIndent), with values of random types now and then. */
function upstream(r: Rng): Record<string, unknown> {
  const o: Record<string, unknown> = { phase: r.pick(PHASES) };
  const fields: Array<[string, () => unknown]> = [
    ['from_version', () => `v0.${r.int(9)}.${r.int(9)}`], ['to_version', () => `v0.${r.int(9)}.${r.int(9)}`],
    ['started_at', () => '2026-10-01T10:00:00Z'], ['updated_at', () => '2026-10-01T10:05:00.25Z'],
    ['last_error', () => 'download failed: EOF'], ['attempt_count', () => r.int(5)], ['health_check_failures', () => r.int(3)],
  ];
  for (const [k, v] of fields) if (r.chance(0.7)) o[k] = r.chance(0.85) ? v() : randomJson(r);
  return o;
}

/** Deep nesting and huge values: what a JSON parser takes and a MessagePack encoder may not. */
function extreme(r: Rng): Buffer {
  const depth = r.pick([100, 1000, 1409, 1410, 5000, 100000]);
  const open = r.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  switch (r.int(4)) {
    case 0: return Buffer.from(`{"phase":"staged","x":${open.repeat(depth)}${close.repeat(depth)}}`);
    case 1: return Buffer.from(`{"phase":"activated","last_error":"${'e'.repeat(r.pick([65536, MAX_PAYLOAD, 2 * MAX_PAYLOAD]))}"}`);
    case 2: return Buffer.from(`{"phase":"failed",${Array.from({ length: r.pick([1000, 100000]) }, (_, i) => `"k${i}":${i}`).join(',')}}`);
    default: return Buffer.from(`${open.repeat(depth)}${close.repeat(depth)}`);
  }
}

// Our state.json files to mutate, made once (a fold per case would dominate the run).
const OURS = Array.from({ length: 32 }, (_, i) => ours(rngFrom(mulberry32(900 + i))));
const corpus = [Buffer.from(JSON.stringify({ phase: 'activated', from_version: 'v0.3.0', to_version: 'v0.3.1', started_at: '2026-10-01T10:00:00Z', attempt_count: 1 }, null, 2))];

function gen(r: Rng): Case {
  const k = r.int(100);
  if (k < 15) return { input: ours(r), kind: 'valid' };
  if (k < 35) return { input: Buffer.from(JSON.stringify(upstream(r), null, r.chance(0.5) ? 2 : 0)), kind: 'valid' };
  if (k < 82) {
    const seed = r.chance(0.3) ? r.pick(OURS) : Buffer.from(JSON.stringify(upstream(r), null, 2));
    const { bytes, ops } = mutate(seed, r, { dictionary: DICT, corpus, maxSize: 1 << 20 });
    return { input: bytes, kind: 'mutated', how: ops.join('+') };
  }
  if (k < 84) return { input: extreme(r), kind: 'huge' };
  return { input: r.chance(0.5) ? randomText(r, DICT) : randomBytes(r, [0, 1, 2]), kind: 'random' };
}

function check(c: Case): string {
  const text = c.input.toString('utf8');
  let v: Record<string, unknown> | null;
  try {
    v = parseUpstreamState(text);
  } catch (err) {
    throw new Error(`parseUpstreamState threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  if (v === null) return 'null';
  assert.type(v, 'object');
  assert.type(v.phase, 'string');
  if ('seq' in v) return 'ours'; // our own state.json: never migrated
  // What the first writer then does with it: one Migrated record, folded and rendered.
  const payload = encodePayload({ seq: 1, at: 1.7e12, boot: 'b', events: [{ type: 'Migrated', v: 1, data: { state: v, activeSlot: null } }] });
  assert.ok(payload.length <= MAX_PAYLOAD, `a Migrated record of ${payload.length} bytes is past the log's ${MAX_PAYLOAD}-byte cap`);
  const back = decodePayload(payload);
  assert.ok(!('error' in back), 'the record decodes');
  const e = { type: 'Migrated', v: 1, seq: 1, at: 1.7e12, boot: 'b', data: { state: v, activeSlot: null } } as unknown as StoredEvent;
  const p = evolve(initialProjections(), e);
  renderStateJson(stateJson(p.lifecycle, 1.7e12));
  JSON.stringify(historyJson(p.history));
  return 'migrated';
}

test(`state.json: parseUpstreamState on ${process.env.FUZZ_CASES ?? 10000} inputs`, () => {
  const stats = runFuzz({ name: 'state.json', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'random', 'huge'], 50);
});

test('state.json: regression: nesting deeper than MessagePack can encode, and records past the cap, are not migrated', () => {
  // Found by this fuzzer: both made every writer command fail (exit 1 "internal error: Maximum
  // call stack size exceeded"; exit 2 "record of … bytes exceeds the 1048576-byte cap") until
  // the file was removed by hand.
  for (const text of [`{"phase":"staged","x":${'['.repeat(1410)}${']'.repeat(1410)}}`, `{"phase":"failed","last_error":"${'e'.repeat(MAX_PAYLOAD)}"}`]) {
    check({ input: Buffer.from(text), kind: 'regression' });
  }
  assert.equal(parseUpstreamState('{"phase":"staged","to_version":"v1","x":[[1]],"y":{"a":1}}'), { phase: 'staged', to_version: 'v1' });
});

test(`state.json: ${CLI_CASES} garbage state.json files through the CLI (first writer, empty log)`, async () => {
  const lanes = Array.from({ length: CLI_JOBS }, () => tmpDir('ksu-fuzz-state-'));
  await runCliCases('state.json', FILE, CLI_CASES, async (r, index, lane) => {
    const root = join(lanes[lane], String(index));
    const dataDir = join(root, 'var/lib/kubesolo/update');
    mkdirSync(dataDir, { recursive: true });
    const { input } = index % 5 === 0 ? { input: extreme(r) } : gen(r);
    writeFileSync(join(dataDir, 'state.json'), input);
    const res = await runCli(['--root', root, 'note', 'x']);
    withInput(input, () => assertCliOutcome(res, 'note', [0]));
  });
});

test.run();
