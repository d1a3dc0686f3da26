/**
 * Fuzzing update.conf: files made from the settings table (every key with a valid value, comments,
 * blank lines, CRLF, padding), mutations of them and random text. parseConf returns values of each
 * key's type, or throws AgentError USAGE naming the file and line; a file made from the table
 * parses to what was written. Through the CLI, `config` exits 0 or 2 with one line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, parseConf } from '../../src/config/load.js';
import { KEYS, specOf, type KeySpec } from '../../src/config/schema.js';
import { AgentError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';
import { CLI_CASES, CLI_JOBS, assertCliOutcome, assertMix, returnsOrThrows, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { BOUNDARY_NUMBERS, mutate, randomBytes, randomText } from './mutate.js';
import type { Rng } from './prng.js';

const FILE = 'fuzz/updateConf.test.js';
const CONF = '/etc/kubesolo/update.conf';
const DICT = ['=', '#', '\n', '\r\n', ' ', '\t', ',', ...KEYS.map((k) => `${k.key}=`), 'true', 'off', 'yes', '\u00a0', '\ufeff', '\0'];

function validValue(spec: KeySpec, r: Rng): { raw: string; value: string | number | string[] } {
  switch (spec.type) {
    case 'int': { const n = r.pick([0, 1, 5, 30, 120, 2 ** 31, Number.MAX_SAFE_INTEGER, r.int(1e6)]); return { raw: String(n), value: n }; }
    case 'bool': { const [raw, value] = r.pick([['1', 1], ['0', 0], ['true', 1], ['FALSE', 0], ['yes', 1], ['off', 0], ['', 0]] as const); return { raw, value }; }
    case 'list': { const xs = Array.from({ length: 1 + r.int(5) }, () => r.pick(['containerd', 'apiserver', 'node-ready', 'disk-writable', 'probe-url', 'x'])); return { raw: xs.join(r.pick([',', ', ', ' ,'])), value: xs }; }
    case 'strings': { const s = r.pick(['true', '/usr/bin/check --flag=1', 'sh -c "exit 0"', 'a#b']); return { raw: s, value: [s] }; }
    case 'url': { const s = r.pick(['https://updates.example/stable', 'http://127.0.0.1:8080/', 'http://[::1]:9/x?y=1#z', 'HTTPS://Example.org']); return { raw: s, value: s }; }
    default: { const s = r.pick(['https://updates.example/stable', 'http://127.0.0.1:8080/', 'stable', '02:00-04:00', '/etc/kubesolo/update.pub', 'a=b=c', 'value # not a comment']); return { raw: s, value: s }; }
  }
}

/** A file from the settings table, and the values it must parse to. */
function validConf(r: Rng): { text: string; values: Map<string, string | number | string[]> } {
  const values = new Map<string, string | number | string[]>();
  const lines: string[] = [];
  const eol = r.chance(0.2) ? '\r\n' : '\n';
  for (let n = r.int(14); n > 0; n--) {
    if (r.chance(0.15)) { lines.push(r.pick(['# a comment', '', '   ', '#server=ignored', '\t# indented comment'])); continue; }
    const spec = r.pick(KEYS);
    const { raw, value } = validValue(spec, r);
    const pad = () => r.pick(['', ' ', '  ', '\t']);
    lines.push(`${pad()}${spec.key}${pad()}=${pad()}${raw}${pad()}`);
    const prev = values.get(spec.key);
    values.set(spec.key, spec.type === 'strings' && Array.isArray(prev) ? [...prev, ...(value as string[])] : value);
  }
  return { text: lines.join(eol) + (r.chance(0.5) ? eol : ''), values };
}

interface ConfCase extends Case { values?: Map<string, string | number | string[]> }

function gen(r: Rng): ConfCase {
  const k = r.int(100);
  if (k < 35) {
    const { text, values } = validConf(r);
    return { input: Buffer.from(text), kind: 'valid', values };
  }
  if (k < 85) {
    const { bytes, ops } = mutate(Buffer.from(validConf(r).text), r, { dictionary: [...DICT, ...BOUNDARY_NUMBERS], maxSize: 1 << 18 });
    return { input: bytes, kind: 'mutated', how: ops.join('+') };
  }
  return { input: r.chance(0.6) ? randomText(r, DICT) : randomBytes(r), kind: 'random' };
}

function check(c: ConfCase): string {
  const res = returnsOrThrows(() => parseConf(c.input.toString('utf8'), CONF), [AgentError], 'parseConf');
  if ('error' in res) {
    assert.ok(c.kind !== 'valid', `a file made from the table is refused: ${res.error.message}`);
    assert.is((res.error as AgentError).code, 'USAGE');
    assert.match(res.error.message, new RegExp(`^${CONF}:\\d+: `));
    assert.not.match(res.error.message, /\n/, 'one line');
    return 'refused';
  }
  const { values, warnings } = res.value;
  for (const [key, v] of values) {
    const spec = specOf(key);
    assert.ok(spec, `known key ${key}`);
    switch (spec!.type) {
      case 'int': assert.ok(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0, `${key}=${v}`); break;
      case 'bool': assert.ok(v === 0 || v === 1, `${key}=${v}`); break;
      case 'list': assert.ok(Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '' && s === s.trim()), `${key}`); break;
      case 'strings': assert.ok(Array.isArray(v) && v.every((s) => typeof s === 'string'), `${key}`); break;
      case 'url': assert.ok(typeof v === 'string' && /^https?:$/.test(new URL(v).protocol), `${key}=${v}`); break;
      default: assert.type(v, 'string');
    }
  }
  for (const w of warnings) assert.match(w, new RegExp(`^${CONF}:\\d+: unknown key .* ignored$`));
  if (c.values) {
    assert.equal(values, c.values, 'the values written read back');
    assert.equal(warnings, []);
  }
  return 'parsed';
}

test(`update.conf: parseConf on ${process.env.FUZZ_CASES ?? 10000} files`, () => {
  const stats = runFuzz<ConfCase>({ name: 'update.conf', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'random']);
});

test('update.conf: loadConfig on a directory, a missing file and a file of a flag-valued key', () => {
  const dir = tmpDir('ksu-fuzz-conf-');
  mkdirSync(join(dir, 'a-dir'));
  assert.throws(() => loadConfig(join(dir, 'a-dir'), {}), (e: unknown) => e instanceof AgentError && e.code === 'USAGE');
  assert.is(loadConfig(join(dir, 'missing'), {}).fileFound, false);
  writeFileSync(join(dir, 'c'), 'timeout=1e400\n');
  assert.throws(() => loadConfig(join(dir, 'c'), {}), (e: unknown) => e instanceof AgentError && e.code === 'USAGE');
});

test(`update.conf: ${CLI_CASES} garbage files through the CLI (config): exit 0 or 2, one line`, async () => {
  const lanes = Array.from({ length: CLI_JOBS }, () => tmpDir('ksu-fuzz-conf-'));
  await runCliCases('update.conf', FILE, CLI_CASES, async (r, _index, lane) => {
    const { input } = gen(r);
    const conf = join(lanes[lane], 'update.conf');
    writeFileSync(conf, input);
    const res = await runCli(['--root', lanes[lane], '--conf', conf, 'config', '--json']);
    withInput(input, () => {
      assertCliOutcome(res, 'config', [0, 2]);
      if (res.code === 0) assert.type(JSON.parse(res.stdout).settings, 'object');
    });
  });
});

test.run();
