/**
 * Fuzzing the GRUB environment block: blocks our own writer makes (setAll over grub-editenv's
 * empty block), mutations of them, and random bytes. parseGrubenv returns the variables or throws
 * GrubenvError naming the file; a block that parses can be edited in place (setGrubenv) and parses
 * again with only that variable changed. The file reader never reads past the 1024-byte block,
 * whatever size the file claims.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { envVars } from '../../src/boot/bootFacts.js';
import { GRUBENV_SIZE, GrubenvError, emptyGrubenv, parseGrubenv, setAll, setGrubenv } from '../../src/boot/grubenv.js';
import { readGrubenvFile } from '../../src/boot/grubenvFile.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';
import { CLI_CASES, CLI_JOBS, assertCliOutcome, assertMix, returnsOrThrows, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { mutate, randomBytes, randomText } from './mutate.js';
import { mulberry32, rngFrom, type Rng } from './prng.js';

const FILE = 'fuzz/grubenv.test.js';
const SIGNATURE = '# GRUB Environment Block\n';
const DICT = [SIGNATURE, '=', '\n', '\\', '\\\n', '#', '##########', 'active_slot=', 'boot_counter=', 'boot_success=', 'A', 'B', '3', '\u00e9', '\ufffd', '\0'];
const NAMES = ['active_slot', 'boot_counter', 'boot_success', 'saved_entry', 'next_entry', 'x', 'A_1', 'kubesolo_extra'];

function randomValue(r: Rng): string {
  switch (r.int(5)) {
    case 0: return r.pick(['A', 'B', '0', '1', '2', '3', '']);
    case 1: return String(r.u32());
    case 2: return Array.from({ length: r.size(40) }, () => r.pick(['\\', '\n', '=', '#', 'a', ' ', '\u00e9', '\u4e2d', '\u{1f600}'])).join('');
    case 3: return 'v'.repeat(r.size(900));
    default: return randomText(r, [], 60).toString('utf8');
  }
}

/** A block our writer produced, and the variables it must parse to. */
function validBlock(r: Rng): { block: Buffer; vars: Map<string, string> } {
  let block = emptyGrubenv();
  const vars = new Map<string, string>();
  const base = { active_slot: r.pick(['A', 'B']), boot_counter: r.int(4), boot_success: r.int(2) };
  block = setAll(block, base);
  for (const [k, v] of Object.entries(base)) vars.set(k, String(v));
  for (let n = r.int(6); n > 0; n--) {
    const name = r.chance(0.7) ? r.pick(NAMES) : `k${r.u32().toString(36)}`;
    const value = randomValue(r);
    try {
      block = setGrubenv(block, name, value);
      vars.set(name, value);
    } catch (err) {
      assert.instance(err, GrubenvError, 'the writer refuses only with GrubenvError');
      assert.match((err as Error).message, /no room/);
    }
  }
  return { block, vars };
}

// A fixed splice corpus, independent of the run's seed.
const corpus = Array.from({ length: 8 }, (_, i) => validBlock(rngFrom(mulberry32(1000 + i))).block);

interface GrubCase extends Case { vars?: Map<string, string> }

function gen(r: Rng): GrubCase {
  const k = r.int(100);
  if (k < 35) {
    const { block, vars } = validBlock(r);
    return { input: block, kind: 'valid', vars };
  }
  if (k < 85) {
    const { bytes, ops } = mutate(validBlock(r).block, r, { dictionary: DICT, corpus, maxSize: 8192 });
    return { input: bytes, kind: 'mutated', how: ops.join('+') };
  }
  if (k < 93) {
    // Random bytes behind a correct signature and padding: past the shape check, into the lines.
    const body = r.chance(0.5) ? randomText(r, DICT, 990) : r.bytes(r.size(990));
    const b = Buffer.alloc(GRUBENV_SIZE, 0x23);
    Buffer.from(SIGNATURE).copy(b);
    body.copy(b, SIGNATURE.length, 0, Math.min(body.length, GRUBENV_SIZE - SIGNATURE.length - 1));
    if (r.chance(0.7)) b[SIGNATURE.length + Math.min(body.length, GRUBENV_SIZE - SIGNATURE.length - 1)] = 0x0a;
    return { input: b, kind: 'random' };
  }
  return { input: randomBytes(r, [0, 1, 24, 25, 1023, 1024, 1025, 2048]), kind: 'random' };
}

function check(c: GrubCase, r: Rng): string {
  const res = returnsOrThrows(() => parseGrubenv(c.input, '/fuzz/grubenv'), [GrubenvError], 'parseGrubenv');
  if ('error' in res) {
    assert.ok(c.kind !== 'valid', `a block our writer made does not parse: ${res.error.message}`);
    assert.ok(res.error.message.includes('/fuzz/grubenv'), `the message names the file: ${res.error.message}`);
    assert.throws(() => envVars(c.input, '/fuzz/grubenv'), (e: unknown) => e instanceof GrubenvError);
    return 'refused';
  }
  const vars = res.value;
  assert.is(c.input.length, GRUBENV_SIZE);
  for (const [name, value] of vars) {
    assert.type(name, 'string');
    assert.type(value, 'string');
    assert.ok(name.length > 0 && !name.includes('=') && !name.includes('\n'), `name ${JSON.stringify(name)}`);
  }
  if (c.vars) assert.equal(new Map(vars), c.vars, 'the writer\'s variables read back');
  const env = envVars(c.input, '/fuzz/grubenv');
  for (const n of [env.boot_counter, env.boot_success]) assert.ok(n === null || (typeof n === 'number' && n >= 0), `number ${n}`);
  // Editing a block that parsed: exactly the first line of that name changes (or one is added).
  const name = r.pick(NAMES);
  const value = randomValue(r);
  const edited = returnsOrThrows(() => setGrubenv(c.input, name, value, '/fuzz/grubenv'), [GrubenvError], 'setGrubenv');
  if ('error' in edited) {
    assert.match(edited.error.message, /no room/);
    return 'parsed, no room to set';
  }
  assert.is(edited.value.length, GRUBENV_SIZE);
  const after = parseGrubenv(edited.value, '/fuzz/grubenv');
  const expect = vars.slice();
  const i = expect.findIndex(([n]) => n === name);
  if (i >= 0) expect[i] = [name, value];
  else expect.push([name, value]);
  assert.equal(after, expect, 'only the variable set changed');
  return 'parsed and set';
}

test(`grubenv: parseGrubenv and setGrubenv on ${process.env.FUZZ_CASES ?? 10000} blocks`, () => {
  const stats = runFuzz<GrubCase>({ name: 'grubenv', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'random']);
});

// Regression, found by this suite: readGrubenvFile used readFileSync, so a 1 GiB + 1 byte grubenv
// (sparse) cost 1 GiB of memory and 2.7 s before being refused, and one that is /dev/zero never
// returned. Now it reads at most 1025 bytes.
test('grubenv: files of every size, up to 5 GiB claimed (sparse), are refused without reading past the block', () => {
  const dir = tmpDir('ksu-fuzz-grubenv-');
  const path = join(dir, 'grubenv');
  const good = setAll(emptyGrubenv(), { active_slot: 'A', boot_counter: 3, boot_success: 1 });
  writeFileSync(path, good);
  assert.equal(readGrubenvFile(path), good);
  for (const size of [0, 1, 1023, 1025, 4096, 1 << 20, 2 ** 30 + 1, 5 * 2 ** 30]) {
    writeFileSync(path, good);
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, size); // sparse: claims the size without using the disk
    closeSync(fd);
    const before = process.memoryUsage();
    const t0 = performance.now();
    assert.throws(() => readGrubenvFile(path), (e: unknown) => e instanceof GrubenvError && (e as Error).message.includes(path), `size ${size}`);
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    assert.ok(ms < 1000, `size ${size}: took ${ms.toFixed(0)} ms`);
    assert.ok(after.arrayBuffers - before.arrayBuffers < 1 << 20, `size ${size}: ${after.arrayBuffers - before.arrayBuffers} bytes of buffers allocated`);
    assert.ok(after.rss - before.rss < 64 << 20, `size ${size}: rss grew by ${after.rss - before.rss}`);
  }
  // A device that never ends (a grubenv symlinked to /dev/zero): one block's worth is read, then refused.
  if (existsSync('/dev/zero')) {
    symlinkSync('/dev/zero', join(dir, 'endless'));
    const t0 = performance.now();
    assert.throws(() => readGrubenvFile(join(dir, 'endless')), (e: unknown) => e instanceof GrubenvError && /more than 1024 bytes/.test((e as Error).message));
    assert.ok(performance.now() - t0 < 1000);
  }
  mkdirSync(join(dir, 'a-directory'));
  assert.throws(() => readGrubenvFile(join(dir, 'a-directory')), (e: unknown) => e instanceof GrubenvError);
  assert.throws(() => readGrubenvFile(join(dir, 'missing')), (e: unknown) => e instanceof GrubenvError);
});

test(`grubenv: ${CLI_CASES} garbage blocks through the CLI (rollback): a documented exit, one line, no trace`, async () => {
  const lanes = Array.from({ length: CLI_JOBS }, () => makeSandbox());
  await runCliCases('grubenv', FILE, CLI_CASES, async (r, _i, lane) => {
    const sb = lanes[lane];
    const { input } = gen(r);
    writeFileSync(sb.grubenv, input);
    const res = await runCli(['--root', sb.root, 'rollback']);
    withInput(input, () => assertCliOutcome(res, 'rollback', [0, 1, 3]));
  });
});

test.run();
