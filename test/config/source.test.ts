/** Server or registry: a flag beats update.conf; both at one level is a usage error naming both. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config/load.js';
import { chooseSource } from '../../src/config/source.js';
import { AgentError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const conf = (text: string) => { const f = join(tmpDir(), 'update.conf'); writeFileSync(f, text); return f; };
const choose = (text: string, flags: Record<string, unknown> = {}) => chooseSource(loadConfig(conf(text), flags));
const usage = (fn: () => unknown, pattern: RegExp) => {
  try { fn(); } catch (e) { assert.instance(e, AgentError); assert.is((e as AgentError).code, 'USAGE'); assert.match((e as Error).message, pattern); return; }
  assert.unreachable('accepted');
};

test('server= alone, registry= with tag= alone', () => {
  assert.equal(choose('server=http://s.example/\n'), { kind: 'http', server: 'http://s.example/' });
  assert.equal(choose('registry=ghcr.io/a/os\ntag=stable\nplain_http=1\n'), { kind: 'oci', registry: 'ghcr.io/a/os', tag: 'stable', plainHttp: true, dockerConfig: null, authRealm: null });
});

test('a flag beats the other kind in update.conf, either way round', () => {
  assert.is(choose('server=http://s.example/\ntag=stable\n', { registry: 'ghcr.io/a/os' }).kind, 'oci');
  assert.is(choose('registry=ghcr.io/a/os\ntag=stable\n', { server: 'http://s.example/' }).kind, 'http');
});

test('both at one level, a registry without a tag, nothing at all: usage errors that say what to do', () => {
  usage(() => choose('server=http://s.example/\nregistry=ghcr.io/a/os\ntag=t\n'), /both an update server \(.*update\.conf:1\) and a registry \(.*update\.conf:2\) are set at the same level/);
  usage(() => choose('', { server: 'http://s.example/', registry: 'ghcr.io/a/os', tag: 't' }), /both an update server \(--server\) and a registry \(--registry\)/);
  usage(() => choose('registry=ghcr.io/a/os\n'), /needs a tag: set tag= in .* or pass --tag T/);
  usage(() => choose(''), /no update server: set server= \(or registry= and tag=\)/);
});

test.run();
