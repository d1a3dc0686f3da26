/** replay$ and follow$ against a real writer in another process, across segment rotation. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, take, toArray } from 'rxjs';
import { EventLog } from '../../events/log.js';
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
