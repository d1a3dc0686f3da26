/** read, readBatches, replay$ and follow$: against a real writer (in another process for follow$), across segment rotation. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, take, toArray } from 'rxjs';
import { EventLog } from '../../events/log.js';
import { nodeFs } from '../../events/logFs.js';
import { LogWriter } from '../../events/writer.js';
import type { StoredEvent } from '../../events/types.js';
import { spawnHelper } from '../helpers/child.js';
import { tmpDir } from '../helpers/tmp.js';

const note = (text: string) => [{ type: 'OperatorNote' as const, data: { text } }];

test('replay$ emits what is there, in order, then completes', async () => {
  const dir = tmpDir();
  const w = await EventLog.open(dir, { writer: true, segmentBytes: 300 });
  for (let i = 0; i < 20; i++) await w.append(note(`n${i}`));
  await w.close();
  const r = await EventLog.open(dir, { writer: false });
  const all = await firstValueFrom(r.replay$().pipe(toArray()));
  assert.equal(all.map((e) => e.seq), Array.from({ length: 20 }, (_, i) => i + 1));
  const tail = await firstValueFrom(r.replay$({ fromSeq: 15 }).pipe(toArray()));
  assert.equal(tail.map((e) => e.seq), [15, 16, 17, 18, 19, 20]);
});

test('read and readBatches give the same events in order; batches are whole records, none empty', async () => {
  const dir = tmpDir();
  // Records of 1–3 events, so some record straddles where a batch would end; no fsync: generation only.
  const w = LogWriter.open(`${dir}/events`, { clock: () => 1_764_000_000_000, bootId: 'test-boot', fs: { ...nodeFs, fdatasyncSync: () => {} }, segmentBytes: 64 * 1024 });
  let total = 0;
  for (let i = 0; total < 3000; i++) {
    const n = 1 + (i % 3);
    w.append(Array.from({ length: n }, (_, k) => note(`r${i}e${k}`)[0]));
    total += n;
  }
  w.close();
  const log = await EventLog.open(dir, { writer: false });
  const seqs: number[] = [];
  for await (const e of log.read()) seqs.push(e.seq);
  assert.equal(seqs, Array.from({ length: total }, (_, i) => i + 1));
  const batches: StoredEvent[][] = [];
  for await (const b of log.readBatches()) batches.push(b);
  assert.equal(batches.flat().map((e) => e.seq), seqs);
  assert.ok(batches.length >= 3, `${batches.length} batches`);
  for (const b of batches) {
    assert.ok(b.length > 0);
    const records = new Set(b.map((e) => (e.data as { text: string }).text.split('e')[0]));
    for (const r of records) assert.is(b.filter((e) => (e.data as { text: string }).text.startsWith(`${r}e`)).length, 1 + (Number(r.slice(1)) % 3), `record ${r} whole`);
  }
  const from = [];
  for await (const b of log.readBatches({ fromSeq: total - 4 })) from.push(...b.map((e) => e.seq));
  assert.equal(from, [total - 4, total - 3, total - 2, total - 1, total]);
});

for (const watch of [true, false]) {
  test(`follow$ delivers another process's appends across rotation exactly once (fs.watch ${watch ? 'on' : 'off: polling alone'})`, async () => {
    const dir = tmpDir();
    const pre = await EventLog.open(dir, { writer: true, segmentBytes: 2048 });
    await pre.append(note('before the follower'));
    await pre.close();
    const r = await EventLog.open(dir, { writer: false });
    const received: StoredEvent[] = [];
    const child = spawnHelper('appender', [dir, '2048', '150', '7']);
    const sub = r.follow$({ watch, pollMs: 100 }).subscribe((e) => received.push(e));
    await child.exited;
    const acked = child.lines.filter((l) => l.startsWith('acked')).map((l) => Number(l.split(' ')[2]));
    const last = acked[acked.length - 1];
    for (let i = 0; i < 100 && (received.length === 0 || received[received.length - 1].seq < last); i++) await new Promise((res) => setTimeout(res, 50));
    sub.unsubscribe();
    assert.equal(received.map((e) => e.seq), Array.from({ length: last }, (_, i) => i + 1), 'no gaps, no duplicates');
    assert.ok(r.verify().segments > 3, 'the writer rotated while we followed');
  });
}

test('follow$ from a seq skips what came before', async () => {
  const dir = tmpDir();
  const w = await EventLog.open(dir, { writer: true });
  for (let i = 0; i < 5; i++) await w.append(note(`n${i}`));
  const got = firstValueFrom(w.follow$({ fromSeq: 4 }).pipe(take(3), toArray()));
  await w.append(note('live'));
  assert.equal((await got).map((e) => e.seq), [4, 5, 6]);
  await w.close();
});

test.run();
