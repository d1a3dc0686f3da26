/**
 * Exit codes an operator or a script relies on, through the built binary: readers pointed at a
 * data directory that is not there, and metrics --textfile pointed at a directory or into a
 * missing one. (update.conf values: test/config/config.test.ts; signals: signals.test.ts.)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliSync } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const READERS = [['verify'], ['history'], ['history', '--attempt', 'X'], ['events'], ['events', '--follow']];

test('verify, history and events on a --data-dir that does not exist: one line naming it, exit 1, nothing created', () => {
  const missing = join(tmpDir(), 'var/lib/kubesolo/updaet');
  for (const args of READERS) {
    const r = cliSync(['--data-dir', missing, ...args]);
    assert.is(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.is(r.stdout, '');
    assert.is(r.stderr, `kubesolo-update: ${args[0]}: the data directory ${missing} does not exist; check --data-dir or --root (nothing was read)\n`);
  }
  // Under --root too: the sandbox's data directory is not there until a writer ran.
  const root = tmpDir();
  const v = cliSync(['--root', root, 'verify']);
  assert.is(v.code, 1);
  assert.match(v.stderr, `the data directory ${join(root, 'var/lib/kubesolo/update')} does not exist`);
  assert.not.ok(existsSync(missing), 'a reader creates nothing');
  assert.not.ok(existsSync(join(root, 'var')));
  // --json: the error object, and the same exit.
  const j = cliSync(['--data-dir', missing, '--json', 'verify']);
  assert.is(j.code, 1);
  assert.equal(JSON.parse(j.stdout).error.code, 'FAILED');
});

test('a dangling symlink as --data-dir: said as such, exit 1 (a file: exit 2); once it points at a log, it verifies clean', () => {
  const dir = tmpDir();
  const link = join(dir, 'data');
  symlinkSync(join(dir, 'gone'), link);
  for (const args of READERS) {
    const r = cliSync(['--data-dir', link, ...args]);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stderr, `kubesolo-update: ${args[0]}: the data directory ${link} is a symbolic link to ${join(dir, 'gone')}, which does not exist; check --data-dir or --root (nothing was read)\n`);
  }
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  // A file in its place is a usage error, as writers have always said it (test/cli/cli.test.ts).
  const f = cliSync(['--data-dir', file, 'history']);
  assert.is(f.code, 2);
  assert.is(f.stderr, `kubesolo-update: history: the data directory ${file} is not a directory (check --data-dir / --root)\n`);
  // Once the link points at a log, the readers read it.
  mkdirSync(join(dir, 'gone'));
  assert.is(cliSync(['--data-dir', link, 'note', 'hello']).code, 0);
  const v = cliSync(['--data-dir', link, 'verify']);
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, 'result:   clean');
  assert.is(cliSync(['--data-dir', link, 'history']).code, 0);
});

test('metrics --textfile: a directory or a missing directory is exit 2 with one line; nothing created, no tmp file; a file is written', () => {
  const dataDir = tmpDir();
  assert.is(cliSync(['--data-dir', dataDir, 'note', 'x']).code, 0);
  const collector = tmpDir('ksu-textfile-');
  writeFileSync(join(collector, 'other.prom'), 'other_metric 1\n');

  const asDir = cliSync(['--data-dir', dataDir, 'metrics', '--textfile', collector]);
  assert.is(asDir.code, 2, asDir.stderr);
  assert.is(asDir.stderr, `kubesolo-update: metrics: --textfile ${collector} is a directory; name a file in it, e.g. --textfile ${join(collector, 'kubesolo_update.prom')}\n`);
  assert.equal(readdirSync(collector), ['other.prom'], 'no tmp file, nothing else');

  const inMissing = join(collector, 'not-there', 'kubesolo_update.prom');
  const missing = cliSync(['--data-dir', dataDir, 'metrics', '--textfile', inMissing]);
  assert.is(missing.code, 2, missing.stderr);
  assert.is(missing.stderr, `kubesolo-update: metrics: --textfile ${inMissing}: the directory ${join(collector, 'not-there')} does not exist (it is not created: point --textfile into node_exporter's textfile directory)\n`);
  assert.not.ok(existsSync(join(collector, 'not-there')), 'no directory created');
  assert.equal(readdirSync(collector), ['other.prom']);

  const underFile = join(collector, 'other.prom', 'x.prom');
  const notDir = cliSync(['--data-dir', dataDir, 'metrics', '--textfile', underFile]);
  assert.is(notDir.code, 2);
  assert.match(notDir.stderr, `${join(collector, 'other.prom')} is not a directory`);

  const target = join(collector, 'kubesolo_update.prom');
  const ok = cliSync(['--data-dir', dataDir, 'metrics', '--textfile', target]);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stderr, '');
  assert.match(readFileSync(target, 'utf8'), /^# HELP kubesolo_update_/m);
  assert.equal(readdirSync(collector).sort(), ['kubesolo_update.prom', 'other.prom']);
});

test.run();
