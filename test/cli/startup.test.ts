/**
 * What each command loads: only its own module, and none of the heavy dependencies it does not
 * use. Start-up on edge hardware is mostly module loading, so a stray import is a regression
 * even when every output stays the same. (How fast it then starts is for `npm run bench`.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS } from '../../src/commands/index.js';
import { cliModules } from '../helpers/loadedModules.js';
import { makeSandbox } from '../helpers/sandbox.js';

const commandModules = (modules: string[]) => modules.filter((m) => /\/src\/commands\/(?!index\.js|command\.js)[^/]+\.js$/.test(m)).map((m) => m.split('/').pop());

test('every entry of the command table loads the command of its name', async () => {
  for (const entry of COMMANDS) assert.is((await entry.load()).name, entry.name);
});

test('--help lists the table without loading any command', () => {
  const r = cliModules(['--help']);
  assert.is(r.code, 0, r.stderr);
  for (const entry of COMMANDS) assert.ok(r.stdout.includes(`  ${entry.name.padEnd(11)}  ${entry.summary}\n`), entry.name);
  assert.equal(commandModules(r.modules), []);
  assert.equal([...r.packages], []);
});

test('status and history load their own command, msgpackr, and nothing heavy', () => {
  const sb = makeSandbox();
  assert.is(cliModules(['--root', sb.root, 'note', 'a node with a log']).code, 0);
  for (const args of [['status', '--json'], ['history', '--json', '--limit', '20']]) {
    const r = cliModules(['--root', sb.root, ...args]);
    assert.is(r.code, 0, r.stderr);
    assert.equal(commandModules(r.modules), [`${args[0]}.js`]);
    // Readers never lock, never stream and render no metrics.
    assert.equal([...r.packages], ['msgpackr'], args.join(' '));
  }
});

test('note loads the lock and msgpackr, and neither rxjs nor prom-client', () => {
  const sb = makeSandbox();
  const r = cliModules(['--root', sb.root, 'note', 'replaced the disk']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(commandModules(r.modules), ['note.js']);
  assert.ok(r.packages.has('proper-lockfile'));
  assert.not.ok(r.packages.has('rxjs'));
  assert.not.ok(r.packages.has('prom-client'));
});

test('the trace sees the heavy dependencies where they are used (metrics: prom-client, events: rxjs)', () => {
  // Without this the checks above could pass because the trace missed CommonJS modules.
  const sb = makeSandbox();
  assert.is(cliModules(['--root', sb.root, 'note', 'one event']).code, 0);
  const m = cliModules(['--root', sb.root, 'metrics']);
  assert.is(m.code, 0, m.stderr);
  assert.ok(m.packages.has('prom-client'));
  const e = cliModules(['--root', sb.root, 'events']);
  assert.is(e.code, 0, e.stderr);
  assert.ok(e.packages.has('rxjs'));
});

test.run();
