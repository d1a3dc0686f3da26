/**
 * Fuzzing latest.json: the one `release` writes, objects of its shape, field-level mutations (a
 * field of the wrong type, a boundary number, a huge or odd string, a missing field), byte
 * mutations, random bytes, and bodies past the 1 MiB cap. parseMetadata returns a Release whose
 * every field has its documented shape, or throws MetadataError naming latest.json; the gates
 * then evaluate without throwing. Through the CLI, `check` against a server serving the case
 * exits 0 or 1 with one line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateGates } from '../../src/domain/gates.js';
import { METADATA_CAP, MetadataError, parseMetadata } from '../../src/update/metadata.js';
import { parseVersion } from '../../src/domain/version.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { CLI_CASES, CLI_JOBS, assertCliOutcome, assertMix, returnsOrThrows, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { BOUNDARY_NUMBERS, mutate, randomBytes, randomText } from './mutate.js';
import type { Rng } from './prng.js';
import { caseServer, latestObject, randomVersion, realRelease } from './release.js';

const FILE = 'fuzz/latestJson.test.js';
const BASE = 'https://updates.example/stable/latest.json';
const FIELDS = ['version', 'vmlinuz_url', 'vmlinuz_sha256', 'vmlinuz_sig_url', 'vmlinuz_size', 'initramfs_url', 'initramfs_sha256', 'initramfs_sig_url',
  'initramfs_size', 'metadata_sig_url', 'release_notes', 'release_date', 'channel', 'min_compatible_version', 'architecture', '__proto__', 'constructor'];
const DICT = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '\\u0000', '\\ud800', ...FIELDS.map((f) => `"${f}":`), '"file:///etc/passwd"', '"javascript:1"', '"//evil.example/x"'];

function oddValue(r: Rng): unknown {
  switch (r.int(9)) {
    case 0: return Number(r.pick(BOUNDARY_NUMBERS.filter((n) => /^-?\d/.test(n))));
    case 1: return r.pick([null, true, false, [], {}, [1], { a: 1 }]);
    case 2: return r.pick(['', ' ', '\u0000', 'v', 'v1.2.3.4', '1.2.3-', 'x'.repeat(100000), '9'.repeat(400), 'v01.02.03', `${'1.'.repeat(5000)}1`]);
    case 3: return r.pick(['file:///etc/passwd', 'ftp://x/y', 'http://', 'http://[::1', '//host/path', '../../../x', 'data:,x', 'https://user:pw@h/x', `http://h/${'%'.repeat(1000)}`]);
    case 4: return randomVersion(r) + r.pick(['', '-', '+', '-rc..1', '-rc.-', `-${'a.'.repeat(3000)}a`]);
    case 5: return r.bytes(32).toString('hex') + r.pick(['', '0', 'g']);
    case 6: return randomText(r, [], 200).toString('utf8');
    case 7: return r.pick([-1, 0.5, 2 ** 53, 64 * 1024 ** 3 + 1, 1e308, -0]);
    default: return Array.from({ length: r.size(8) }, () => oddValue(r));
  }
}

/** latest.json as an object, one or more fields made wrong. */
function fieldMutation(r: Rng): { bytes: Buffer; how: string } {
  const o = latestObject(r);
  const how: string[] = [];
  for (let n = r.range(1, 3); n > 0; n--) {
    const f = r.pick(FIELDS);
    if (r.chance(0.2)) { delete o[f]; how.push(`-${f}`); } else { o[f] = oddValue(r); how.push(f); }
  }
  return { bytes: Buffer.from(JSON.stringify(o, null, r.chance(0.5) ? 2 : 0)), how: how.join(',') };
}

interface MetaCase extends Case { object?: Record<string, unknown> }

function gen(r: Rng): MetaCase {
  const k = r.int(100);
  if (k < 5) return { input: realRelease().latest, kind: 'valid' };
  if (k < 30) { const object = latestObject(r); return { input: Buffer.from(JSON.stringify(object, null, 2)), kind: 'valid', object }; }
  if (k < 60) { const m = fieldMutation(r); return { input: m.bytes, kind: 'mutated', how: m.how }; }
  if (k < 88) {
    const seed = r.chance(0.2) ? realRelease().latest : Buffer.from(JSON.stringify(latestObject(r)));
    const { bytes, ops } = mutate(seed, r, { dictionary: DICT, corpus: [realRelease().latest], maxSize: METADATA_CAP + 16 });
    return { input: bytes, kind: 'mutated', how: ops.join('+') };
  }
  if (k < 90) {
    // Past the cap: refused before it is parsed.
    const pad = r.pick([1, 2, 1000, METADATA_CAP]);
    return { input: Buffer.concat([Buffer.from('{"version":"v1.0.0","pad":"'), Buffer.alloc(METADATA_CAP - 28 + pad, 0x61), Buffer.from('"}')]), kind: 'huge' };
  }
  return { input: r.chance(0.5) ? randomText(r, DICT) : randomBytes(r), kind: 'random' };
}

const isHttp = (u: string) => /^https?:$/.test(new URL(u).protocol);

function check(c: MetaCase, r: Rng): string {
  const res = returnsOrThrows(() => parseMetadata(c.input, BASE), [MetadataError], 'parseMetadata');
  if ('error' in res) {
    assert.ok(c.kind !== 'valid', `a latest.json of release's shape is refused: ${res.error.message}`);
    assert.match(res.error.message, /^latest\.json/);
    if (c.input.length > METADATA_CAP) assert.match(res.error.message, /larger than/);
    return 'refused';
  }
  assert.ok(c.input.length <= METADATA_CAP, 'past the cap yet accepted');
  const rel = res.value;
  assert.ok(parseVersion(rel.version), 'version parses');
  assert.equal(rel.artifacts.map((a) => a.name), ['vmlinuz', 'kubesolo-os.gz']);
  for (const a of rel.artifacts) {
    assert.ok(isHttp(a.url), a.url);
    assert.match(a.sha256, /^[0-9a-f]{64}$/);
    assert.ok(a.sigUrl === null || isHttp(a.sigUrl));
    assert.ok(a.size === null || (Number.isSafeInteger(a.size) && a.size >= 0 && a.size <= 64 * 1024 ** 3), `size ${a.size}`);
  }
  assert.ok(rel.metadataSigUrl === null || isHttp(rel.metadataSigUrl));
  for (const f of [rel.releaseNotes, rel.releaseDate, rel.channel, rel.architecture]) assert.ok(f === null || typeof f === 'string');
  assert.ok(rel.minCompatibleVersion === null || parseVersion(rel.minCompatibleVersion));
  if (c.object) assert.is(rel.version, c.object.version);
  // What check and apply do next with it.
  const gates = evaluateGates(rel, {
    current: r.chance(0.8) ? randomVersion(r) : null, channel: r.pick([null, 'stable']), arch: 'amd64',
    allowDowngrade: r.chance(0.5), allowRejected: r.chance(0.5), rejected: r.chance(0.5) ? [rel.version] : [],
    rejectedArtifacts: r.chance(0.5) ? [rel.artifacts.map((a) => a.sha256).sort().join('+')] : [],
  });
  assert.is(gates.length, 5);
  return 'accepted';
}

test(`latest.json: parseMetadata on ${process.env.FUZZ_CASES ?? 10000} documents`, () => {
  realRelease();
  const stats = runFuzz<MetaCase>({ name: 'latest.json', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'random', 'huge'], 50);
});

test(`latest.json: ${CLI_CASES} served documents through the CLI (check): exit 0 or 1, one line`, async () => {
  const lanes = Array.from({ length: CLI_JOBS }, () => makeSandbox());
  const bodies = new Map<number, Buffer>();
  const server = await caseServer((i) => ({ 'latest.json': bodies.get(i)! }));
  try {
    await runCliCases('latest.json', FILE, CLI_CASES, async (r, index, lane) => {
      const { input } = gen(r);
      bodies.set(index, input);
      const res = await runCli(['--root', lanes[lane].root, 'check', '--server', server.url(index), '--http-timeout', '10']);
      withInput(input, () => assertCliOutcome(res, 'check', [0, 1]));
    });
  } finally {
    await server.close();
  }
});

test.run();
