/**
 * kill -9 loop (LOG.md C1): a child appends batches to a log with small segments, printing each
 * acknowledged range; it is SIGKILLed after a random number (0–3) of its batches were
 * acknowledged, somewhere in the next one, or at a named crash point for one in four iterations
 * (a half-written frame as a power cut leaves one, mid-rotation, mid-repair, between write and
 * fdatasync). Kills follow the child's own progress, not wall time, so a busy machine still sees
 * every child append. The next child is the next writer and recovers. Every acknowledged event must survive, seqs stay contiguous with no
 * duplicates, and verify is clean after the final writer opens.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventLog } from '../../events/log.js';
import { spawnHelper, sleep } from '../helpers/child.js';
import { tmpDir } from '../helpers/tmp.js';

const ITERATIONS = Number(process.env.KILL_ITERATIONS ?? 300);
const POINTS = ['log.torn-write', 'log.torn-write', 'log.after-write', 'log.after-sync', 'log.rotate.after-tmp', 'log.rotate.after-rename', 'log.repair.after-copy', 'log.repair.after-truncate'];

test(`${ITERATIONS} SIGKILLs at random moments and crash points lose no acknowledged event`, async () => {
  const dir = tmpDir('ksu-kill-');
  let seed = 20261124;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const acked = new Set<number>();
  let diedAtPoint = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const env: NodeJS.ProcessEnv = {};
    if (i % 4 === 3) env.KUBESOLO_UPDATE_CRASH = `${POINTS[Math.floor(rnd() * POINTS.length)]}:${1 + Math.floor(rnd() * 3)}`;
    const h = spawnHelper('appender', [dir, '4096', '', String(i + 1)], env);
    await Promise.race([h.ready, h.exited]);
    // A child with a crash point is given a dozen batches to reach it (a repair point is only
    // passed when it found a torn tail); the others die after 0–3.
    const batches = env.KUBESOLO_UPDATE_CRASH ? 12 : Math.floor(rnd() * 4);
    const exited = () => h.child.exitCode !== null || h.child.signalCode !== null;
    // Polling the child's output is how the test sees its progress; the period decides nothing.
    while (!exited() && h.lines.filter((l) => l.startsWith('acked')).length < batches) await sleep(1);
    // Then a moment into the next batch (encoding, writing or syncing it), at most a few ms.
    await sleep(Math.floor(rnd() * 4));
    if (exited()) diedAtPoint++;
    else h.child.kill('SIGKILL');
    const { signal, code } = await h.exited;
    assert.ok(signal === 'SIGKILL' || code === 0, `iteration ${i}: ${h.stderr()}`);
    for (const line of h.lines) {
      const m = /^acked (\d+) (\d+)$/.exec(line);
      if (m) for (let s = Number(m[1]); s <= Number(m[2]); s++) acked.add(s);
    }
  }
  const log = await EventLog.open(dir, { writer: true });
  const seqs: number[] = [];
  let repairs = 0;
  for await (const e of log.read()) {
    seqs.push(e.seq);
    if (e.type === 'LogRepaired') repairs++;
  }
  const report = log.verify();
  await log.close();
  assert.ok(report.ok, JSON.stringify(report.problems.slice(0, 3)));
  assert.is(report.tail, null);
  assert.equal(seqs, seqs.map((_, i) => i + 1), 'contiguous from 1, no duplicates');
  const missing = [...acked].filter((s) => s > seqs.length);
  assert.equal(missing, [], 'every acknowledged event recovered');
  assert.ok(acked.size > ITERATIONS, `acknowledged ${acked.size}`);
  assert.ok(report.segments > 10, `segments ${report.segments}: rotations happened`);
  assert.ok(diedAtPoint > 0, 'some children died at their own crash point');
  assert.ok(repairs > 0, 'torn writes were repaired');
  console.log(`    (${ITERATIONS} kills, ${diedAtPoint} at a crash point; ${acked.size} acknowledged events, ${seqs.length} recovered, ${repairs} torn tails repaired, ${report.segments} segments)`);
});

test.run();
