/** state.json, migration, rebuild, status, history and metrics as an operator runs them. */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliSync } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';
import { tmpDir } from '../helpers/tmp.js';

const run = (dir: string, ...args: string[]) => {
  const r = cliSync(['--data-dir', dir, ...args]);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const withoutTime = (text: string) => ({ ...JSON.parse(text), updated_at: undefined });

test('every writer command leaves state.json and the checkpoint up to date', () => {
  const dir = tmpDir();
  run(dir, 'note', 'one');
  const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  assert.equal(Object.keys(s), ['phase', 'updated_at', 'attempt_count', 'health_check_failures', 'seq']);
  assert.is(s.seq, 1);
  assert.match(s.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.ok(existsSync(join(dir, 'checkpoint')));
});

test('rebuild reproduces state.json exactly, except updated_at', () => {
  const dir = tmpDir();
  writeScenario(join(dir, 'events'));
  run(dir, 'note', 'after the scenario');
  const before = readFileSync(join(dir, 'state.json'), 'utf8');
  const out = run(dir, 'rebuild');
  assert.match(out, /^rebuilt state\.json and the checkpoint from 36 events in \d+ ms/);
  assert.equal(withoutTime(readFileSync(join(dir, 'state.json'), 'utf8')), withoutTime(before));
});

test('garbage or missing state.json and checkpoint are rebuilt without complaint; --state moves it', () => {
  const dir = tmpDir();
  writeScenario(join(dir, 'events'));
  run(dir, 'rebuild');
  const good = readFileSync(join(dir, 'state.json'), 'utf8');
  writeFileSync(join(dir, 'state.json'), '{"phase": "nonsense", trailing garbage');
  writeFileSync(join(dir, 'checkpoint'), 'not a checkpoint');
  const r = cliSync(['--data-dir', dir, 'note', 'x']);
  assert.is(r.code, 0);
  assert.is(r.stderr, '', 'without complaint');
  const now = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  assert.equal({ ...now, updated_at: undefined, seq: undefined }, { ...JSON.parse(good), updated_at: undefined, seq: undefined });
  const elsewhere = join(tmpDir(), 'custom', 'state.json');
  run(dir, '--state', elsewhere, 'note', 'y');
  assert.is(JSON.parse(readFileSync(elsewhere, 'utf8')).seq, 37);
});

test('first run after the Go agent: its state.json becomes a Migrated event and an open attempt', () => {
  const dir = tmpDir();
  mkdirSync(dir, { recursive: true });
  const upstream = { phase: 'activated', from_version: 'v0.3.0', to_version: 'v0.3.1', started_at: '2026-10-01T10:00:00Z', updated_at: '2026-10-01T10:05:00Z', attempt_count: 1 };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(upstream, null, 2));
  run(dir, 'note', 'took over from the Go agent');
  const events = run(dir, 'events').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.map((e) => e.type), ['Migrated', 'OperatorNote']);
  assert.equal(events[0].data.state, upstream);
  const status = JSON.parse(run(dir, 'status', '--json'));
  assert.equal([status.state.phase, status.state.to_version, status.state.attempt_count], ['activated', 'v0.3.1', 1]);
  const hist = JSON.parse(run(dir, 'history', '--json')).attempts;
  assert.is(hist.length, 1);
  assert.equal([hist[0].outcome, hist[0].migrated, hist[0].to_version], ['open', true, 'v0.3.1']);
  // Our own state.json is never taken for the Go agent's, even with an empty log.
  const other = tmpDir();
  writeFileSync(join(other, 'state.json'), readFileSync(join(dir, 'state.json')));
  run(other, 'note', 'fresh');
  assert.equal(run(other, 'events').trim().split('\n').map((l) => JSON.parse(l).type), ['OperatorNote']);
});

test('history: --limit, --attempt with its timeline, and an unknown id', () => {
  const dir = tmpDir();
  writeScenario(join(dir, 'events'));
  const limited = JSON.parse(run(dir, 'history', '--json', '--limit', '1')).attempts;
  assert.is(limited.length, 1);
  assert.is(limited[0].id, '01JD0000000000000000000003');
  const one = run(dir, 'history', '--attempt', '01JD0000000000000000000002');
  assert.match(one, 'Timeline');
  assert.match(one, /#\d+ +RolledBack/);
  assert.is(one.split('\n').filter((l) => l.includes('HealthcheckFailed')).length, 2);
  const missing = cliSync(['--data-dir', dir, 'history', '--attempt', 'nope']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^kubesolo-update: history: no attempt "nope" in the log/);
  assert.is(cliSync(['--data-dir', dir, 'history', '--limit', '0']).code, 2);
});

test('status and history on a node with no log yet', () => {
  const dir = tmpDir();
  const s = JSON.parse(run(dir, 'status', '--json'));
  assert.equal([s.state.phase, s.log.seq, s.last_attempt], ['idle', 0, null]);
  assert.is(run(dir, 'history').trim(), 'no update attempts recorded yet');
  assert.not.ok(existsSync(join(dir, 'events')), 'readers create nothing');
});

test('metrics --textfile writes the exposition atomically', () => {
  const dir = tmpDir();
  writeScenario(join(dir, 'events'));
  // The collector's directory must exist: --textfile never creates one (test/cli/exitCodes.test.ts).
  const file = join(tmpDir(), 'kubesolo_update.prom');
  run(dir, 'metrics', '--textfile', file);
  const text = readFileSync(file, 'utf8');
  assert.match(text, 'kubesolo_update_phase{phase="failed"} 1');
  assert.match(text, 'kubesolo_update_rollbacks_total{cause="bootloader"} 1');
  assert.match(text, 'kubesolo_update_attempt_outcomes_total{outcome="success"} 1');
  assert.equal(text, run(dir, 'metrics'));
});

test.run();
