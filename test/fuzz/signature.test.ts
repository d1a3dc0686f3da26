/**
 * Fuzzing `.sig` files and the public key file: signatures `release` writes (128 hex chars) and
 * raw ones (64 bytes), with whitespace and case changes, mutations of them, and random bytes at
 * the lengths the format singles out. parseSignature returns 64 bytes or null and never throws;
 * verifySignature never throws and accepts exactly the signature of the message; a public key
 * file gives a key or an error naming the file. Through the CLI, `check --pubkey` against a
 * served garbage latest.json.sig exits 1 (0 only for the real signature), with one line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentError } from '../../src/errors.js';
import { loadPublicKey } from '../../src/update/fetchRelease.js';
import { parseSignature, publicKeyFromHex, signWith, verifySignature } from '../../src/update/signing.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';
import { CLI_CASES, CLI_JOBS, assertCliOutcome, assertMix, returnsOrThrows, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { mutate, randomBytes } from './mutate.js';
import { mulberry32, rngFrom, type Rng } from './prng.js';
import { caseServer, realRelease } from './release.js';

const FILE = 'fuzz/signature.test.js';
const SIG_LENGTHS = [0, 1, 63, 64, 65, 127, 128, 129, 130, 131, 256, 1024];
const DICT = [' ', '\n', '\r\n', '\t', '0', 'f', 'F', 'g', '\0', '\ufeff'];

let key: KeyObject;
let messages: Buffer[];
let sigs: Buffer[];
let otherKey: KeyObject;

function setup(): void {
  if (messages) return;
  const real = realRelease();
  key = publicKeyFromHex(real.pubHex, real.pub);
  otherKey = publicKeyFromHex(rngFrom(mulberry32(78)).bytes(32).toString('hex'), 'other.pub');
  const fixed = rngFrom(mulberry32(77));
  messages = [real.latest, Buffer.alloc(0), Buffer.from('x'), fixed.bytes(5000)];
  sigs = messages.map((m) => signWith(real.privatePem, m));
  assert.equal(parseSignature(real.latestSig), sigs[0], 'release\'s .sig is the hex of the signature');
}

interface SigCase extends Case { message: number }

/** A signature file in one of the two forms, as written or with harmless whitespace and case. */
function validFile(r: Rng, m: number): Buffer {
  if (r.chance(0.3)) return Buffer.from(sigs[m]);
  let hex = sigs[m].toString('hex');
  if (r.chance(0.3)) hex = hex.toUpperCase();
  return Buffer.from(r.pick(['', ' ', '\n', '\t']) + hex + r.pick(['', '\n', '\r\n', '  \n']), 'latin1');
}

function gen(r: Rng): SigCase {
  const message = r.int(messages.length);
  const k = r.int(100);
  if (k < 25) return { input: validFile(r, message), kind: 'valid', message };
  if (k < 80) {
    const { bytes, ops } = mutate(validFile(r, message), r, { dictionary: DICT, corpus: sigs, maxSize: 4096 });
    return { input: bytes, kind: 'mutated', how: ops.join('+'), message };
  }
  if (k < 90) return { input: Buffer.from(r.bytes(r.pick([32, 64, 65])).toString('hex')), kind: 'random', message };
  return { input: randomBytes(r, SIG_LENGTHS, 2048), kind: 'random', message };
}

function check(c: SigCase, r: Rng): string {
  let sig: Buffer | null;
  try {
    sig = parseSignature(c.input);
  } catch (err) {
    throw new Error(`parseSignature threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  if (c.kind === 'valid') assert.equal(sig, sigs[c.message], 'a signature file as written parses to the signature');
  if (sig === null) return 'not a signature';
  assert.ok(Buffer.isBuffer(sig) && sig.length === 64, 'a signature is 64 bytes');
  const k = r.chance(0.9) ? key : otherKey;
  let ok: boolean;
  try {
    ok = verifySignature(messages[c.message], sig, k);
  } catch (err) {
    throw new Error(`verifySignature threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  assert.type(ok, 'boolean');
  assert.is(ok, k === key && sig.equals(sigs[c.message]), 'verifies exactly the signature of the message by the key');
  return ok ? 'verified' : 'rejected';
}

interface KeyCase extends Case { hex?: string }

function genKey(r: Rng): KeyCase {
  const k = r.int(100);
  if (k < 30) { const hex = r.chance(0.5) ? realRelease().pubHex : r.bytes(32).toString('hex'); return { input: Buffer.from(`${hex}\n`), kind: 'valid', hex }; }
  if (k < 85) {
    const { bytes, ops } = mutate(Buffer.from(`${realRelease().pubHex}\n`), r, { dictionary: DICT, maxSize: 4096 });
    return { input: bytes, kind: 'mutated', how: ops.join('+') };
  }
  return { input: randomBytes(r, [0, 32, 64, 65, 128], 1024), kind: 'random' };
}

function checkKey(c: KeyCase): string {
  const res = returnsOrThrows(() => publicKeyFromHex(c.input.toString('utf8'), '/etc/kubesolo/update.pub'), [Error], 'publicKeyFromHex');
  if ('error' in res) {
    assert.ok(c.kind !== 'valid', `64 hex characters refused: ${res.error.message}`);
    assert.match(res.error.message, /^\/etc\/kubesolo\/update\.pub: /);
    return 'refused';
  }
  assert.is(res.value.asymmetricKeyType, 'ed25519');
  return 'key';
}

test(`.sig: parseSignature and verifySignature on ${process.env.FUZZ_CASES ?? 10000} files`, () => {
  setup();
  const stats = runFuzz<SigCase>({ name: '.sig', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'random']);
});

test(`update.pub: publicKeyFromHex on ${process.env.FUZZ_CASES ?? 10000} key files; loadPublicKey wraps every refusal as USAGE`, () => {
  const stats = runFuzz<KeyCase>({ name: 'update.pub', file: FILE, gen: genKey, check: checkKey });
  assertMix(stats, ['valid', 'mutated', 'random']);
  const dir = tmpDir('ksu-fuzz-pub-');
  for (let i = 0; i < 200; i++) {
    const { input } = genKey(rngFrom(mulberry32(i)));
    writeFileSync(join(dir, 'update.pub'), input);
    try {
      loadPublicKey(join(dir, 'update.pub'));
    } catch (err) {
      assert.ok(err instanceof AgentError && err.code === 'USAGE', `${(err as Error).message}`);
    }
  }
  assert.throws(() => loadPublicKey(dir), (e: unknown) => e instanceof AgentError && e.code === 'USAGE');
});

test(`.sig: ${CLI_CASES} served signatures through the CLI (check --pubkey): exit 1 unless it is the signature`, async () => {
  setup();
  const real = realRelease();
  const lanes = Array.from({ length: CLI_JOBS }, () => makeSandbox());
  const sigFiles = new Map<number, Buffer>();
  const server = await caseServer((i) => ({ 'latest.json': real.latest, 'latest.json.sig': sigFiles.get(i)! }));
  try {
    await runCliCases('.sig', FILE, CLI_CASES, async (r, index, lane) => {
      const input = r.chance(0.1) ? validFile(r, 0) : r.chance(0.6) ? mutate(validFile(r, 0), r, { dictionary: DICT, maxSize: 1024 }).bytes : randomBytes(r, SIG_LENGTHS, 1024);
      sigFiles.set(index, input);
      const res = await runCli(['--root', lanes[lane].root, 'check', '--server', server.url(index), '--pubkey', real.pub, '--allow-legacy-signature', '--http-timeout', '10']);
      withInput(input, () => {
        const good = parseSignature(input)?.equals(sigs[0]) ?? false;
        assertCliOutcome(res, 'check', good ? [0] : [1]);
        if (!good) assert.match(res.stderr, /signature|more than the 1024 bytes/);
      });
    });
  } finally {
    await server.close();
  }
});

test.run();
