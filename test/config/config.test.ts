import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, parseConf, setting } from '../../src/config/load.js';
import { cliSync } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

test('update.conf: key=value, comments, whitespace, repeatable keys, unknown keys warned', () => {
  const { values, warnings } = parseConf('# comment\n  auto_rollback_after = 3 \n\nbogus=1\ncheck_command=a\ncheck_command=b c\nchecks=disk-writable, probe-url\n', 'update.conf');
  assert.equal(Object.fromEntries(values), { auto_rollback_after: 3, check_command: ['a', 'b c'], checks: ['disk-writable', 'probe-url'] });
  assert.equal(warnings, ['update.conf:4: unknown key "bogus" ignored']);
});

test('bad lines and bad values are errors naming the file and line', () => {
  assert.throws(() => parseConf('just words\n', '/etc/x.conf'), /\/etc\/x\.conf:1: expected key=value/);
  assert.throws(() => parseConf('a=1\nauto_rollback_after=soon\n', 'u.conf'), /u\.conf:2: auto_rollback_after must be a whole number/);
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
    ['registry', null, 'default'],
    ['tag', null, 'default'],
    ['plain_http', 0, 'default'],
    ['registry_auth_realm', null, 'default'],
    ['docker_config', null, 'default'],
    ['channel', null, 'default'],
    ['maintenance_window', null, 'default'],
    ['pubkey', null, 'default'],
    ['allow_legacy_signature', 0, 'default'],
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

test('a server or healthcheck_url that is no http(s) URL is a configuration error naming <file>:<line>', () => {
  assert.throws(() => parseConf('# the update server\nserver=ftp://x\n', '/etc/u.conf'), /^\/etc\/u\.conf:2: server must be an http:\/\/ or https:\/\/ URL, not "ftp:\/\/x"$/);
  assert.throws(() => parseConf('healthcheck_url=localhost:8080/ready\n', 'u.conf'), /^u\.conf:1: healthcheck_url must be an http:\/\/ or https:\/\/ URL/);
  assert.throws(() => parseConf('server=not a url\n', 'u.conf'), /^u\.conf:1: server must be/);
  assert.equal(Object.fromEntries(parseConf('server=https://updates.example/stable/\n', 'u.conf').values), { server: 'https://updates.example/stable/' });
});

test('server=ftp://x in update.conf: check, apply and config exit 2 naming the file and line, nothing recorded', () => {
  const root = tmpDir();
  const conf = join(root, 'etc/kubesolo/update.conf');
  mkdirSync(join(root, 'etc/kubesolo'), { recursive: true });
  writeFileSync(conf, 'channel=stable\nserver=ftp://x\n');
  for (const command of ['check', 'apply', 'config']) {
    const r = cliSync(['--root', root, command]);
    assert.is(r.code, 2, `${command}: ${r.stderr}`);
    assert.is(r.stderr, `kubesolo-update: ${command}: ${conf}:2: server must be an http:// or https:// URL, not "ftp://x"\n`);
  }
  const flag = cliSync(['--root', tmpDir(), 'check', '--server', 'ftp://y']);
  assert.is(flag.code, 2);
  assert.match(flag.stderr, /^kubesolo-update: check: --server: server must be an http:\/\/ or https:\/\/ URL, not "ftp:\/\/y"\n$/);
  // A configuration error is not an attempt, nor a failed check: the log was never opened.
  assert.not.ok(existsSync(join(root, 'var/lib/kubesolo/update')));
});

test.run();
