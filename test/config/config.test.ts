import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, parseConf, setting } from '../../src/config/load.js';
import { cliSync } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

test('update.conf: key=value, comments, whitespace, repeatable keys, unknown keys warned', () => {
  const { values, warnings } = parseConf('# comment\n  auto_rollback_after = 3 \n\nbogus=1\ncheck_command=a\ncheck_command=b c\nchecks=disk-writable, probe-url\n', 'update.conf');
  assert.equal(Object.fromEntries(values), { auto_rollback_after: 3, check_command: ['a', 'b c'], checks: ['disk-writable', 'probe-url'] });
  assert.equal(warnings, ['update.conf line 4: unknown key "bogus" ignored']);
});

test('bad lines and bad values are errors naming the file and line', () => {
  assert.throws(() => parseConf('just words\n', '/etc/x.conf'), /\/etc\/x\.conf line 1: expected key=value/);
  assert.throws(() => parseConf('a=1\nauto_rollback_after=soon\n', 'u.conf'), /u\.conf line 2: auto_rollback_after must be a whole number/);
});

test('precedence: flag over file over default; a missing file is fine', () => {
  const dir = tmpDir();
  const file = join(dir, 'update.conf');
  assert.equal(setting(loadConfig(file, {}), 'auto_rollback_after'), 0);
  assert.is(loadConfig(file, {}).fileFound, false);
  writeFileSync(file, 'auto_rollback_after=2\ntimeout=30\n');
  const c = loadConfig(file, { 'auto-rollback-after': '5' });
  assert.equal(c.settings.map((s) => [s.key, s.value, s.source]), [
    ['checks', ['containerd', 'apiserver', 'node-ready', 'kube-system', 'disk-writable'], 'default'],
    ['check_command', [], 'default'],
    ['healthcheck_url', null, 'default'],
    ['auto_rollback_after', 5, 'flag'],
    ['timeout', 30, 'file'],
    ['server', null, 'default'],
    ['channel', null, 'default'],
    ['maintenance_window', null, 'default'],
    ['pubkey', null, 'default'],
    ['http_timeout', 30, 'default'],
    ['http_retries', 5, 'default'],
    ['allow_downgrade', 0, 'default'],
  ]);
});

test('config --json under --root reads DIR/etc/kubesolo/update.conf; a bad value exits 2', () => {
  const root = tmpDir();
  mkdirSync(join(root, 'etc/kubesolo'), { recursive: true });
  writeFileSync(join(root, 'etc/kubesolo/update.conf'), 'healthcheck_url=http://127.0.0.1:1/ready\nmystery=1\n');
  const r = cliSync(['--root', root, 'config', '--json']);
  assert.is(r.code, 0);
  const j = JSON.parse(r.stdout);
  assert.equal(j.settings.healthcheck_url, { value: 'http://127.0.0.1:1/ready', source: 'file' });
  assert.match(r.stderr, 'unknown key "mystery" ignored');
  const bad = cliSync(['--root', root, 'config', '--timeout', 'soon']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^kubesolo-update: config: --timeout: timeout must be a whole number/m);
});

test.run();
