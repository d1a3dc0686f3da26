/**
 * Years of history through the real CLI: a node's ten years (about 19,000 events) and the same
 * story with a check every five minutes (over 1,000,000 events). status, history, verify,
 * rebuild and serve must agree with what the generator wrote, print no warning, and give the
 * same answers before and after a rebuild. Plus what archiving the oldest segments does
 * (docs/retention.md describes it; this test keeps that text honest).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, type CliResult } from '../helpers/cli.js';
import { get, startServe } from '../helpers/serveProcess.js';
import { tmpDir } from '../helpers/tmp.js';
import { generateYears, writeNodeRoot, type ExpectedAttempt, type YearsLog } from '../helpers/yearsLog.js';

const YEAR = 365.25 * 24 * 3600 * 1000;

interface Node { root: string; dataDir: string; y: YearsLog }

function makeNode(opts: Parameters<typeof generateYears>[1] = {}): Node {
  const base = tmpDir('ksu-years-');
  const dataDir = join(base, 'data');
  const root = join(base, 'root');
  const y = generateYears(dataDir, opts);
  writeNodeRoot(root, y);
  return { root, dataDir, y };
}

/** A CLI run against the node; exit `code` and an empty stderr (no warning of any kind) expected. */
async function run(n: Node, args: string[], code = 0): Promise<CliResult> {
  const r = await cli(['--root', n.root, '--data-dir', n.dataDir, ...args]);
  assert.is(r.code, code, `${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  if (code === 0) assert.is(r.stderr, '', `${args.join(' ')} warned: ${r.stderr}`);
  return r;
}
const json = async (n: Node, args: string[]) => JSON.parse((await run(n, args)).stdout);

const tally = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});
const kind = (a: { outcome: string; failed_step?: string | null; failedStep?: string | null; rollback?: { by: string } | null; rollbackBy?: string | null }) =>
  `${a.outcome}${(a.failed_step ?? a.failedStep) ? `:${a.failed_step ?? a.failedStep}` : ''}${(a.rollback?.by ?? a.rollbackBy) ? `:${a.rollback?.by ?? a.rollbackBy}` : ''}`;

/** One `history --json` attempt against what the generator recorded for it. */
function sameAttempt(got: Record<string, any>, e: ExpectedAttempt): void {
  const where = `attempt ${e.id} (${e.fromVersion} -> ${e.toVersion})`;
  assert.equal(
    [got.id, got.from_version, got.to_version, got.from_slot, got.to_slot, got.outcome, got.failed_step, got.rollback?.by ?? null],
    [e.id, e.fromVersion, e.toVersion, e.fromSlot, e.toSlot, e.outcome, e.failedStep, e.rollbackBy], where);
  assert.is(Date.parse(got.started_at), e.startedAt, `${where}: started_at`);
  assert.is(got.ended_at === null ? null : Date.parse(got.ended_at), e.endedAt, `${where}: ended_at`);
  assert.is(got.boots.length, e.boots, `${where}: boots`);
  assert.is(got.boots.filter((b: { inferred?: boolean }) => b.inferred).length, e.inferredBoots, `${where}: inferred boots`);
  assert.is(got.healthchecks.length, e.healthchecks, `${where}: health checks`);
}

const withoutUpdatedAt = (text: string) => ({ ...JSON.parse(text), updated_at: undefined });

/** status, history, verify, rebuild (twice), the same again from the checkpoint, and serve. */
async function battery(n: Node): Promise<void> {
  const { y } = n;
  const total = y.events;
  const newest20 = y.attempts.slice(-20).reverse();

  // Readers on the log as generated: no checkpoint, so each folds every event from seq 1.
  const [statusRun, historyRun, verifyRun] = await Promise.all([
    run(n, ['status', '--json']), run(n, ['history', '--json', '--limit', '20']), run(n, ['verify', '--json']),
  ]);
  const status = JSON.parse(statusRun.stdout);
  assert.equal(status.log, { seq: total, head: y.head, segments: y.segments, bytes: y.bytes, behind: null });
  assert.equal([status.slots.booted, status.slots.active, status.pending], [y.final.booted, y.final.booted, null]);
  assert.equal([status.slots.A.version, status.slots.B.version], [y.final.slots.A, y.final.slots.B]);
  assert.equal(status.boot, { active_slot: y.final.booted, boot_counter: 3, boot_success: 1 });
  assert.equal([status.state.phase, status.state.to_version, status.state.attempt_count, status.state.seq],
    [y.final.phase, y.final.toVersion, y.final.attemptCount, total]);
  assert.is(status.last_attempt.id, y.attempts[y.attempts.length - 1].id);

  const history = JSON.parse(historyRun.stdout).attempts;
  assert.is(history.length, 20);
  history.forEach((a: Record<string, unknown>, i: number) => sameAttempt(a, newest20[i]));

  const verify = JSON.parse(verifyRun.stdout);
  assert.equal([verify.ok, verify.events, verify.lastSeq, verify.head, verify.problems, verify.tail], [true, total, total, y.head, [], null]);

  // rebuild folds every event and writes state.json and the checkpoint; a second one writes the same.
  const rebuilt = await json(n, ['rebuild', '--json']);
  assert.equal([rebuilt.events, rebuilt.seq, rebuilt.head], [total, total, y.head]);
  const state1 = readFileSync(join(n.dataDir, 'state.json'), 'utf8');
  const s1 = JSON.parse(state1);
  assert.equal([s1.phase, s1.to_version, s1.attempt_count, s1.seq, s1.attempt_id], [y.final.phase, y.final.toVersion, y.final.attemptCount, total, y.attempts[y.attempts.length - 1].id]);
  const again = await run(n, ['rebuild']);
  assert.match(again.stdout, new RegExp(`^rebuilt state\\.json and the checkpoint from ${total} events in \\d+ ms .*; log at seq ${total}\\n$`));
  assert.equal(withoutUpdatedAt(readFileSync(join(n.dataDir, 'state.json'), 'utf8')), withoutUpdatedAt(state1));

  // From the checkpoint now: the same answers, and the log unchanged by the rebuilds.
  const [status2, history2, verify2, all] = await Promise.all([
    json(n, ['status', '--json']), json(n, ['history', '--json', '--limit', '20']), json(n, ['verify', '--json']), json(n, ['history', '--json']),
  ]);
  assert.equal(status2, status);
  assert.equal(history2.attempts, history);
  assert.equal([verify2.ok, verify2.events, verify2.head], [true, total, y.head]);
  assert.is(all.attempts.length, y.attempts.length);
  assert.equal(tally(all.attempts.map(kind)), tally(y.attempts.map(kind)));

  // serve: the same log position, the same history and status.
  const s = await startServe(['--root', n.root, '--data-dir', n.dataDir]);
  try {
    const metrics = await get(`${s.url}metrics`);
    assert.is(metrics.status, 200);
    assert.match(metrics.body, new RegExp(`^kubesolo_update_log_last_seq ${total}$`, 'm'));
    assert.match(metrics.body, new RegExp(`^kubesolo_update_attempts_started_total ${y.attempts.length}$`, 'm'));
    assert.match(metrics.body, new RegExp(`^kubesolo_update_log_repairs_total ${y.counts.repairs}$`, 'm'));
    const served = await get(`${s.url}history?limit=20`);
    assert.is(served.status, 200);
    assert.equal(JSON.parse(served.body), { attempts: history, log_losses: [] });
    assert.equal(JSON.parse((await get(`${s.url}status`)).body), status);
  } finally {
    assert.is(await s.stop(), 0, s.stderr());
  }
  assert.is(s.stderr(), '');
}

test('ten years of a node: the log tells the story the generator wrote', async () => {
  const n = makeNode();
  const { y } = n;
  // The shape of ten years: six-hourly checks, about 120 monthly attempts, every kind of outcome.
  assert.ok(y.counts.checks > 14_500 && y.counts.checks < 14_700, `checks ${y.counts.checks}`);
  assert.ok(y.attempts.length >= 120 && y.attempts.length <= 160, `attempts ${y.attempts.length}`);
  const kinds = tally(y.attempts.map(kind));
  for (const k of ['success', 'failed:download', 'failed:verify', 'failed:interrupted', 'failed:superseded', 'failed:gate:channel',
    'failed:gate:rejected', 'rolled_back:bootloader', 'rolled_back:auto', 'rolled_back:manual']) {
    assert.ok(kinds[k] > 0, `no attempt ${k}: ${JSON.stringify(kinds)}`);
  }
  assert.ok(y.attempts.some((a) => a.inferredBoots > 0), 'a GRUB fallback after boots that never reached the agent');
  assert.ok(y.counts.inferredBoots > 0 && y.counts.repairs === 2 && y.counts.notes > 10 && y.counts.deferred > 0);
  assert.equal(readdirSync(join(n.dataDir, 'events/quarantine')).filter((f) => f.endsWith('.torn')).length, 2);

  // Every event as stored: times advance over ten years, a new boot id at every boot.
  const lines = (await run(n, ['events'])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, y.events);
  const at = lines.map((e) => Date.parse(e.at));
  assert.ok(at.every((t, i) => i === 0 || t >= at[i - 1]), 'times never go back');
  assert.equal([at[0], at[at.length - 1]], [y.firstAt, y.lastAt]);
  assert.ok(y.lastAt - y.firstAt > 9.99 * YEAR, 'ten years');
  const types = tally(lines.map((e) => e.type));
  assert.equal([types.UpdateChecked, types.AttemptStarted, types.LogRepaired, types.OperatorNote, types.UpdateDeferred],
    [y.counts.checks, y.attempts.length, y.counts.repairs, y.counts.notes, y.counts.deferred]);
  const boots = lines.filter((e) => e.type === 'BootObserved' && !e.data.inferred);
  assert.is(boots.length, y.counts.boots);
  assert.is(new Set(boots.map((e) => e.boot)).size, y.counts.boots, 'each boot its own boot id');
  assert.is(lines.filter((e) => e.type === 'BootObserved' && e.data.inferred).length, y.counts.inferredBoots);

  await battery(n);
});

test('over 1,000,000 events: the same story with a check every five minutes', async () => {
  const n = makeNode({ checkEveryMs: 5 * 60_000 });
  assert.ok(n.y.events >= 1_000_000, `${n.y.events} events`);
  assert.ok(n.y.segments > 1, 'several segments');
  await battery(n);
});

/** Bytes 24..56 of a segment header: the SHA-256 of the record before the segment (events/FORMAT.md). */
function headerPrevHash(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(32);
    readSync(fd, b, 0, 32, 24);
    return b.toString('hex');
  } finally {
    closeSync(fd);
  }
}

test('archiving the oldest segments: what verify, status, history and rebuild then show (docs/retention.md)', async () => {
  const n = makeNode({ segmentBytes: 512 * 1024 });
  const { y } = n;
  const eventsDir = join(n.dataDir, 'events');
  const segments = readdirSync(eventsDir).filter((f) => f.endsWith('.seg')).sort();
  assert.ok(segments.length >= 6, `${segments.length} segments`);
  await run(n, ['rebuild']); // a node always has a checkpoint: every writer command leaves one
  const started = (await run(n, ['events', '--type', 'AttemptStarted'])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  const statusBefore = await json(n, ['status', '--json']);
  const stateBefore = readFileSync(join(n.dataDir, 'state.json'), 'utf8');

  // Move the three oldest (sealed) segments to an archive that is itself a log directory.
  const archive = join(tmpDir('ksu-archive-'), 'data');
  mkdirSync(join(archive, 'events'), { recursive: true });
  const moved = segments.slice(0, 3);
  for (const f of moved) renameSync(join(eventsDir, f), join(archive, 'events', f));
  const firstKept = Number(segments[3].slice(0, 20));
  const kept = y.events - (firstKept - 1);

  // verify: exit 0, clean. It reads from the first segment present and does not notice that
  // events 1..firstKept-1 are gone: only the counts show it.
  const v = await json(n, ['verify', '--json']);
  assert.equal([v.ok, v.problems, v.events, v.lastSeq, v.head, v.segments], [true, [], kept, y.events, y.head, segments.length - 3]);
  // status and history still come from the checkpoint: unchanged, every attempt still listed.
  assert.equal({ ...(await json(n, ['status', '--json'])), log: undefined }, { ...statusBefore, log: undefined });
  assert.is((await json(n, ['history', '--json'])).attempts.length, y.attempts.length);

  // rebuild folds what is left: the attempts that started in the archived segments are gone from
  // history (and from the metrics' totals); state.json is the same (the last attempt is recent).
  const rebuilt = await json(n, ['rebuild', '--json']);
  assert.equal([rebuilt.events, rebuilt.seq, rebuilt.head], [kept, y.events, y.head]);
  assert.equal(withoutUpdatedAt(readFileSync(join(n.dataDir, 'state.json'), 'utf8')), withoutUpdatedAt(stateBefore));
  const after = (await json(n, ['history', '--json'])).attempts;
  const survivors = started.filter((e) => e.seq >= firstKept).map((e) => e.attempt).reverse();
  assert.equal(after.map((a: { id: string }) => a.id), survivors);
  assert.ok(survivors.length < y.attempts.length);
  const lost = started.find((e) => e.seq < firstKept)!.attempt;
  const missing = await cli(['--root', n.root, '--data-dir', n.dataDir, 'history', '--attempt', lost]);
  assert.is(missing.code, 1);
  const metrics = (await run(n, ['metrics'])).stdout;
  assert.match(metrics, new RegExp(`^kubesolo_update_attempts_started_total ${survivors.length}$`, 'm'));
  assert.match(metrics, new RegExp(`^kubesolo_update_log_last_seq ${y.events}$`, 'm'));
  // A writer still appends after the last kept record.
  assert.match((await run(n, ['note', 'archived the oldest segments'])).stdout, new RegExp(`event ${y.events + 1}\\b`));

  // The archive is a readable log of its own (readers only), and its head is the hash the first
  // kept segment's header chains to: the proof that it is this log's prefix.
  const av = JSON.parse((await cli(['--root', n.root, '--data-dir', archive, 'verify', '--json'])).stdout);
  assert.equal([av.ok, av.events, av.lastSeq], [true, firstKept - 1, firstKept - 1]);
  assert.is(av.head, headerPrevHash(join(eventsDir, segments[3])));

  // Put back, the log verifies whole again and a rebuild brings every attempt back.
  for (const f of moved) renameSync(join(archive, 'events', f), join(eventsDir, f));
  const whole = await json(n, ['verify', '--json']);
  assert.equal([whole.ok, whole.events, whole.lastSeq], [true, y.events + 1, y.events + 1]);
  assert.is((await json(n, ['rebuild', '--json'])).events, y.events + 1);
  assert.is((await json(n, ['history', '--json'])).attempts.length, y.attempts.length);

  // A segment from the middle is not archivable: verify reports the hole (exit 1).
  renameSync(join(eventsDir, segments[2]), join(archive, 'events', segments[2]));
  const hole = await cli(['--root', n.root, '--data-dir', n.dataDir, 'verify', '--json']);
  assert.is(hole.code, 1);
  assert.match(JSON.parse(hole.stdout).problems.map((p: { reason: string }) => p.reason).join('\n'), /seq gap: events \d+\.\.\d+ missing/);
  renameSync(join(archive, 'events', segments[2]), join(eventsDir, segments[2]));
});

/** Writes `path` until the file system refuses (ENOSPC); returns the open descriptor. */
function fillUp(path: string): number {
  const fd = openSync(path, 'w');
  for (const chunk of [Buffer.alloc(1 << 20), Buffer.alloc(4096)]) {
    try { for (;;) writeSync(fd, chunk); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err; }
  }
  return fd;
}

test('a full data partition: writers exit 74 and acknowledge nothing they did not write; readers go on (docs/retention.md)', async () => {
  if (process.getuid?.() !== 0) return console.log('    (skipped: not root: cannot mount a small tmpfs)');
  const mnt = tmpDir('ksu-full-');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) return console.log(`    (skipped: cannot mount a tmpfs: ${m.stderr.trim()})`);
  try {
    const base = tmpDir('ksu-full-root-');
    const n: Node = { root: join(base, 'root'), dataDir: join(mnt, 'data'), y: generateYears(join(mnt, 'data')) };
    writeNodeRoot(n.root, n.y);
    await run(n, ['rebuild']);
    const total = n.y.events;
    const filler = fillUp(join(mnt, 'filler'));

    // No space at all: a writer cannot even take the lock. Nothing is appended; readers work.
    const note = await cli(['--root', n.root, '--data-dir', n.dataDir, 'note', 'disk full?']);
    assert.is(note.code, 74);
    assert.match(note.stderr, /cannot take the log lock .*ENOSPC/);
    const hc = await cli(['--root', n.root, '--data-dir', n.dataDir, 'healthcheck', '--checks', 'disk-writable']);
    assert.is(hc.code, 74, 'the boot-time health check cannot record, so it cannot mark a trial boot good');
    assert.equal((await json(n, ['status', '--json'])).log.seq, total);
    const v = await json(n, ['verify', '--json']);
    assert.equal([v.ok, v.lastSeq, v.head], [true, total, n.y.head]);

    // One page free: the lock fits, records fit in the segment's last page until they do not.
    // Each note either is acknowledged (exit 0, in the log) or exits 74 with nothing appended.
    ftruncateSync(filler, fstatSync(filler).size - 4096);
    let acked = 0;
    let refused: CliResult | null = null;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await cli(['--root', n.root, '--data-dir', n.dataDir, 'note', `note ${i}: ${'x'.repeat(300)}`]);
      if (r.code === 0) acked++;
      else refused = r;
    }
    assert.ok(refused, 'the segment filled up');
    assert.is(refused!.code, 74);
    assert.match(refused!.stderr, /write failed on .*\.seg: ENOSPC/);
    const partial = await json(n, ['verify', '--json']);
    assert.equal([partial.ok, partial.lastSeq, partial.tail], [true, total + acked, null]);

    // Space back: the next writer repairs (LogRepaired, nothing dropped) and goes on.
    ftruncateSync(filler, 0);
    closeSync(filler);
    assert.is((await run(n, ['note', 'space freed'])).code, 0);
    const tail = (await run(n, ['events', '--since', String(total + acked)])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(tail.map((e) => e.type), ['LogRepaired', 'OperatorNote']);
    assert.is(tail[0].data.droppedBytes, 0);
    const healed = await json(n, ['verify', '--json']);
    assert.equal([healed.ok, healed.lastSeq], [true, total + acked + 2]);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test.run();
