/**
 * A scripted lifecycle log (test/helpers/scenario.ts) → the exact state.json, `status --json`,
 * `history --json` and metrics text in test/golden/lifecycle/. UPDATE_GOLDEN=1 rewrites them
 * after a deliberate change; read the diff before committing it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliSync } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';
import { tmpDir } from '../helpers/tmp.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/lifecycle/', import.meta.url));
const dataDir = tmpDir();
writeScenario(join(dataDir, 'events'));

function outputs(): Record<string, string> {
  const run = (...args: string[]) => {
    const r = cliSync(['--data-dir', dataDir, ...args]);
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  run('rebuild');
  const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
  state.updated_at = '(the time of writing)';
  return {
    'state.json': `${JSON.stringify(state, null, 2)}\n`,
    'status.json': `${JSON.stringify(JSON.parse(run('status', '--json')), null, 2)}\n`,
    'history.json': `${JSON.stringify(JSON.parse(run('history', '--json')), null, 2)}\n`,
    'metrics.prom': run('metrics'),
    'status.txt': run('status'),
    'history.txt': run('history'),
  };
}

const got = outputs();
if (process.env.UPDATE_GOLDEN) {
  mkdirSync(GOLDEN, { recursive: true });
  for (const [name, text] of Object.entries(got)) writeFileSync(join(GOLDEN, name), text);
}

for (const name of Object.keys(got)) {
  test(`${name} of the scripted lifecycle matches test/golden/lifecycle/${name}`, () => {
    const path = join(GOLDEN, name);
    assert.ok(existsSync(path), `missing ${path}: UPDATE_GOLDEN=1 npm test`);
    assert.fixture(got[name], readFileSync(path, 'utf8'), 'UPDATE_GOLDEN=1 npm test regenerates after a deliberate change');
  });
}

test('the golden story reads right: success, a bootloader rollback, a gate refusal', () => {
  const h = JSON.parse(got['history.json']).attempts;
  assert.equal(h.map((a: { outcome: string }) => a.outcome), ['failed', 'rolled_back', 'success']);
  assert.equal(h[1].rollback, { by: 'bootloader', reason: 'boot counter exhausted' });
  assert.is(h[0].failed_step, 'gate:channel');
  assert.is(h[2].healthchecks.length, 1);
  assert.is(h[1].healthchecks.length, 2);
  assert.is(h[1].boots.length, 3, 'the boot into the new slot, the inferred one, and the fallback');
  const s = JSON.parse(got['status.json']);
  assert.equal(s.slots.A, { version: 'v1.2.0' });
  assert.equal(s.slots.B, { version: 'v1.1.0' });
  assert.is(s.state.phase, 'failed');
  assert.is(s.state.attempt_count, 1);
});

test('promtool check metrics accepts the exposition', () => {
  const promtool = spawnSync('promtool', ['--version']);
  if (promtool.error) {
    if (process.env.CI) assert.unreachable('CI must have promtool (.ci/run installs the prometheus package)');
    console.log('    (skipped: no promtool; apt-get install prometheus)');
    return;
  }
  const r = spawnSync('promtool', ['check', 'metrics'], { input: got['metrics.prom'], encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.is((r.stdout + r.stderr).trim(), '', 'no lint warnings either');
});

test.run();
