/**
 * `status --at`, `history --until` and `events --until` on a node with several attempts: the past
 * they reconstruct from the log is what status and history really printed at that moment
 * (captured during the story, before later commands ran), never the checkpoint past it; the
 * edges (before the first event, past the last seq) and bad values have clear answers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeCheckpoint, encodeCheckpoint } from '../../projections/checkpoint.js';
import { auditedNode, type Moment } from '../helpers/auditedNode.js';
import { cliSync } from '../helpers/cli.js';

const story = await auditedNode({ json: false, moments: true, everyCommand: false });
await story.server.close();
const root = story.sb.root;

const ksu = (...args: string[]) => cliSync(['--root', root, ...args]);
function ok(...args: string[]): string {
  const r = ksu(...args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
/** The human view without its first line (which point it shows) and the blank line after it. */
function body(text: string, point: RegExp): string {
  const [first, blank, ...rest] = text.split('\n');
  assert.match(first, point);
  assert.is(blank, '');
  return rest.join('\n');
}
/** status --json without what only the machine can say now (the block's state and warnings) and the as_of key. */
function logged(json: string): Record<string, unknown> {
  const { boot_env: _env, warnings: _w, as_of: _as, ...rest } = JSON.parse(json);
  return rest;
}

const moments = story.moments;
const lastSeq = moments[moments.length - 1].seq;

test('the story has the moments the tests need: several attempts, open, succeeded, rolled back and refused', () => {
  const outcomes = (m: Moment) => JSON.parse(m.historyJson).attempts.map((a: { outcome: string }) => a.outcome);
  assert.equal(moments.map((m) => m.step), ['installed', 'checked', 'v1.1.0 staged', 'v1.1.0 activated', 'v1.1.0 succeeded', 'v1.2.0 activated',
    'v1.2.0 failing its checks', 'v1.2.0 rolled back by the bootloader', 'v1.2.1 refused by the channel gate']);
  assert.equal(outcomes(moments[6]), ['open', 'success']);
  assert.equal(outcomes(moments[8]), ['failed', 'rolled_back', 'success']);
  assert.ok(JSON.parse(ok('status', '--json')).log.seq > lastSeq, 'commands ran after the last moment');
});

// The log's record of each moment; the human views of three of them (each CLI run costs a node
// start-up, and the JSON already compares every field).
const HUMAN = new Set(['v1.1.0 activated', 'v1.2.0 failing its checks', 'v1.2.1 refused by the channel gate']);
for (const [i, m] of moments.entries()) {
  test(`status --at and history --until, by seq and by time, print what was shown at "${m.step}" (seq ${m.seq})`, () => {
    // By time for every other moment: both kinds of point reach the same fold.
    for (const point of i % 2 === 0 ? [String(m.seq), m.at] : [String(m.seq)]) {
      const statusJson = ok('status', '--at', point, '--json');
      assert.equal(logged(statusJson), logged(m.statusJson), `status --at ${point}`);
      assert.equal(JSON.parse(statusJson).as_of, { ...(point === m.at ? { requested_time: m.at } : { requested_seq: m.seq }), seq: m.seq, at: m.at });
      assert.is(JSON.parse(statusJson).boot_env.state, 'recorded');
      const historyJson = JSON.parse(ok('history', '--until', point, '--json'));
      const { as_of: _as, ...doc } = historyJson;
      assert.equal(doc, JSON.parse(m.historyJson), `history --until ${point}`);
    }
    if (HUMAN.has(m.step)) {
      const said = new RegExp(`^As of seq ${m.seq}: the node as recorded in the log up to seq ${m.seq} \\(${m.at.replace(/\./g, '\\.')}\\)\\.$`);
      assert.fixture(body(ok('status', '--at', String(m.seq)), said), m.statusText);
      assert.fixture(body(ok('history', '--until', m.at), /^As of .*: the history as recorded in the log up to seq/), m.historyText);
    }
    // A time between this moment and the next shows this moment: the fold stops at the first event past it.
    const next = moments[i + 1];
    if (next && i % 3 === 0) {
      const between = new Date((Date.parse(m.at) + Date.parse(next.at)) / 2).toISOString();
      const seq = JSON.parse(ok('status', '--at', between, '--json')).as_of.seq;
      assert.ok(seq >= m.seq && seq < next.seq, `${between}: seq ${seq}`);
    }
  });
}

test('the checkpoint past the point is never used: a doctored one changes status, not status --at', () => {
  const path = join(story.sb.dataDir, 'checkpoint');
  const cp = decodeCheckpoint(readFileSync(path))!;
  assert.ok(cp.position.seq > moments[6].seq, 'the checkpoint lies past the point asked for');
  // Same position (so the log confirms it), a state no event ever produced.
  cp.projections.node.slots.A = { version: 'v9.9.9-from-the-checkpoint' };
  cp.projections.lifecycle.phase = 'verifying';
  writeFileSync(path, encodeCheckpoint(cp));
  const now = JSON.parse(ok('status', '--json'));
  assert.equal([now.slots.A.version, now.state.phase], ['v9.9.9-from-the-checkpoint', 'verifying'], 'plain status reads the checkpoint');
  const then = ok('status', '--at', String(moments[6].seq), '--json');
  assert.equal(logged(then), logged(moments[6].statusJson));
  const atItsSeq = JSON.parse(ok('status', '--at', String(cp.position.seq), '--json'));
  assert.equal([atItsSeq.slots.A.version, atItsSeq.state.phase], ['v1.2.0', 'failed'], 'not even at the seq the checkpoint covers');
  assert.is(ok('rebuild').includes('rebuilt'), true);
});

test('the past shows grubenv as recorded then, whatever the block says now', () => {
  const m = moments[3]; // v1.1.0 activated, before the reboot: B on trial, A booted
  const s = JSON.parse(ok('status', '--at', String(m.seq), '--json'));
  assert.equal([s.slots.booted, s.boot, s.pending], ['A', { active_slot: 'B', boot_counter: 3, boot_success: 0 }, { switch_to: 'B' }]);
  const now = JSON.parse(ok('status', '--json'));
  assert.equal([now.slots.booted, now.boot.active_slot], ['B', 'B']);
});

test('events --until bounds the export, by seq and by time, with --since and --type', () => {
  const all = ok('events').trim().split('\n');
  const m = moments[4];
  const upTo = all.filter((l) => JSON.parse(l).seq <= m.seq);
  assert.is(ok('events', '--until', String(m.seq)), `${upTo.join('\n')}\n`);
  assert.is(ok('events', '--until', m.at), `${upTo.join('\n')}\n`);
  const window = ok('events', '--since', String(moments[2].seq), '--until', String(m.seq), '--type', 'Activated,HealthcheckPassed').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(window.map((e) => e.type), ['Activated', 'HealthcheckPassed']);
  assert.ok(window.every((e) => e.seq > moments[2].seq && e.seq <= m.seq));
});

test('a time before the first event: the empty node, the empty history, the empty export (exit 0, and said so)', () => {
  const before = '2001-01-01T00:00:00Z';
  const s = JSON.parse(ok('status', '--at', before, '--json'));
  assert.equal([s.state.phase, s.log, s.slots.A.version, s.boot, s.last_attempt, s.as_of],
    ['idle', { seq: 0, head: null, segments: 0, bytes: 0, behind: null }, null, { active_slot: null, boot_counter: null, boot_success: null }, null,
      { requested_time: '2001-01-01T00:00:00.000Z', seq: 0, at: null }]);
  assert.match(ok('status', '--at', before), /^As of 2001-01-01T00:00:00\.000Z: nothing was recorded yet — the node of an empty log\.\n/);
  assert.equal(JSON.parse(ok('history', '--until', before, '--json')).attempts, []);
  assert.is(ok('events', '--until', before), '');
});

test('a seq past the end of the log: exit 2, one line naming the last seq', () => {
  const end = JSON.parse(ok('status', '--json')).log.seq;
  for (const [cmd, flag] of [['status', '--at'], ['history', '--until'], ['events', '--until']]) {
    const r = ksu(cmd, flag, String(end + 1));
    assert.is(r.code, 2, `${cmd}: ${r.stderr}`);
    assert.is(r.stderr, `kubesolo-update: ${cmd}: ${flag} ${end + 1} is past the end of the log: its last event is seq ${end}\n`);
    assert.is(r.stdout, '');
  }
  assert.is(ksu('status', '--at', String(end)).code, 0, 'the last seq itself is fine');
});

test('bad points: exit 2, one line starting with the command, no stack trace', () => {
  const bad = ['yesterday', '2026-12-01', '2026-12-01T10:20:30', '2026-02-30T10:00:00Z', '2026-12-01T25:00:00Z', '-5', '1e3', ''];
  // The three flags share one parser: every value through status, one through each of the others.
  for (const [cmd, flag, values] of [['status', '--at', bad], ['history', '--until', ['yesterday']], ['events', '--until', ['2026-12-01']]] as const) {
    for (const v of values) {
      const r = ksu(cmd, `${flag}=${v}`);
      assert.is(r.code, 2, `${cmd} ${flag}=${v}: ${r.stdout}${r.stderr}`);
      assert.is(r.stderr, `kubesolo-update: ${cmd}: ${flag} takes a seq number or an ISO-8601 time with its zone (like 2026-12-01T10:20:30.123Z), not ${JSON.stringify(v)}\n`);
    }
  }
  const follow = ksu('events', '--until', '3', '--follow');
  assert.is(follow.code, 2);
  assert.match(follow.stderr, /^kubesolo-update: events: --until ends the export at a point in the log; --follow never ends/);
});

test('history --attempt --until: the attempt as it stood then, its boots and timeline cut at the point', () => {
  const rolledBack = story.attempts[1];
  const m = moments[6]; // failing its checks: one boot observed, not yet rolled back
  const j = JSON.parse(ok('history', '--attempt', rolledBack, '--until', String(m.seq), '--json'));
  assert.equal([j.outcome, j.boots.length, j.as_of.seq], ['open', 1, m.seq]);
  const text = ok('history', '--attempt', rolledBack, '--until', String(m.seq));
  assert.not.match(text, /RolledBack|inferred/);
  const timeline = text.slice(text.indexOf('Timeline')).split('\n').slice(1).filter(Boolean).map((l) => Number(/#(\d+)/.exec(l)![1]));
  assert.ok(timeline.length > 0 && timeline.every((seq) => seq <= m.seq), String(timeline));
  const early = ksu('history', '--attempt', rolledBack, '--until', String(moments[4].seq));
  assert.is(early.code, 1);
  assert.match(early.stderr, new RegExp(`^kubesolo-update: history: no attempt "${rolledBack}" in the log up to seq ${moments[4].seq}`));
});

test.run();
