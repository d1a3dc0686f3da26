/**
 * The signed statement's parser on mutated and random documents: it returns a statement whose
 * every field has the type and shape the gates rely on, or throws StatementError naming the
 * problem; never anything else, never a hang. Signatures are not the point here (they are
 * checked before parsing, and fuzz/signature covers them): this is what a key holder's tooling
 * bug, or a future format, could hand the parser.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseVersion } from '../../src/domain/version.js';
import { statementOf } from '../../src/update/releaseStatement.js';
import { encodeStatement, parseStatement, STATEMENT_CAP, StatementError } from '../../src/update/statement.js';
import { assertMix, returnsOrThrows, runFuzz, type Case } from './harness.js';
import { mutate, randomBytes, randomText } from './mutate.js';
import type { Rng } from './prng.js';

const FILE = 'fuzz/statement.test.js';
const DICT = ['"', ':', ',', '{', '}', 'null', '0', '-1', '1e400', '"sha256:', '"v1.2.0"', '\\u0000'];
const SHA = 'ab'.repeat(32);
const spec = { source: 'ghcr.io/example/os', version: 'v1.2.0', channel: 'stable', architecture: 'amd64', minCompatible: null, serial: 20261201070254, publishedMs: Date.parse('2026-12-01T07:02:54Z'), expiresInDays: 30 };
const valid = [
  encodeStatement(statementOf(spec, { manifest: `sha256:${SHA}` })),
  encodeStatement(statementOf({ ...spec, source: null, minCompatible: 'v1.0.0' }, { artifacts: { vmlinuz: SHA, 'kubesolo-os.gz': SHA } })),
];

function gen(r: Rng): Case {
  const k = r.int(100);
  if (k < 10) return { input: r.pick(valid), kind: 'valid' };
  if (k < 85) {
    const { bytes, ops } = mutate(r.pick(valid), r, { dictionary: DICT, corpus: valid, maxSize: STATEMENT_CAP + 16 });
    return { input: bytes, kind: 'mutated', how: ops.join('+') };
  }
  if (k < 88) return { input: Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(STATEMENT_CAP, 0x61), Buffer.from('"}')]), kind: 'huge' };
  return { input: r.chance(0.5) ? randomText(r, DICT) : randomBytes(r), kind: 'random' };
}

function check(c: Case): string {
  const res = returnsOrThrows(() => parseStatement(c.input), [StatementError], 'parseStatement');
  if ('error' in res) {
    assert.ok(c.kind !== 'valid', `a statement release writes is refused: ${res.error.message}`);
    assert.match(res.error.message, /statement/);
    return 'refused';
  }
  const s = res.value;
  assert.ok(c.input.length <= STATEMENT_CAP, 'past the cap yet accepted');
  assert.ok(parseVersion(s.version), 'version parses');
  assert.ok(s.min_compatible_version === null || parseVersion(s.min_compatible_version));
  for (const f of [s.channel, s.architecture]) assert.ok(typeof f === 'string' && f.trim() !== '');
  assert.ok(Number.isSafeInteger(s.serial) && s.serial >= 1, `serial ${s.serial}`);
  assert.ok(!Number.isNaN(Date.parse(s.expires)) && !Number.isNaN(Date.parse(s.published)));
  assert.ok(s.source === null || typeof s.source === 'string');
  assert.ok((s.manifest === undefined) !== (s.artifacts === undefined), 'binds exactly one of manifest and artifacts');
  if (s.manifest !== undefined) assert.match(s.manifest, /^sha256:[0-9a-f]{64}$/);
  if (s.artifacts) for (const h of Object.values(s.artifacts)) assert.match(h, /^[0-9a-f]{64}$/);
  return 'accepted';
}

test(`statement: parseStatement on ${process.env.FUZZ_CASES ?? 10000} documents`, () => {
  const stats = runFuzz({ name: 'statement', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'random', 'huge'], 50);
});

test.run();
