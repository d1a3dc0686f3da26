/**
 * The writer compares the log with what it vouched for before opening: the caller's evidence (a
 * checkpoint's position) and the names of segments recovery moves aside. A log behind it lost
 * acknowledged events: LogLost is recorded, appending goes on after the lost range (no seq twice),
 * and readers see the gap as a recorded loss, not as corruption.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCursor, type LogPosition, type LogProblem } from '../../events/cursor.js';
import type { Evidence } from '../../events/evidence.js';
import { listSegments } from '../../events/segments.js';
import type { StoredEvent } from '../../events/types.js';
import { verifyLog } from '../../events/verify.js';
import { LogWriter } from '../../events/writer.js';
import { BOOT, buildLog, fixedClock, readAll } from '../helpers/fixture.js';
import { MemFs } from '../helpers/memFs.js';

const DIR = '/data/events';

function positionOf(fs: MemFs): LogPosition {
  const c = new LogCursor(DIR, { fs });
  c.poll();
  return c.position;
}

const open = (fs: MemFs, evidence?: Evidence) => LogWriter.open(DIR, { clock: fixedClock(), bootId: BOOT, fs, segmentBytes: 700, evidence: evidence ? () => evidence : undefined });

function lastRecordBytes(fs: MemFs, segment: string): number {
  let start = 0;
  new LogCursor(DIR, { fs, onRecord: (r) => { if (r.segment === segment) start = r.offset; } }).poll();
  return start;
}

test('a tail cut behind the evidence: LogLost for the range, appending at to + 1 in a new segment, the gap read as a recorded loss', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 10);
  const pos = positionOf(fs);
  const [seg] = listSegments(fs, DIR);
  const cut = lastRecordBytes(fs, seg.name);
  fs.files.set(seg.path, fs.files.get(seg.path)!.subarray(0, cut + 10));
  const w = open(fs, { position: pos, source: 'the test checkpoint', carried: { note: 'kept' } });
  w.append([{ type: 'OperatorNote', data: { text: 'after' } }]);
  w.close();
  const problems: LogProblem[] = [];
  const events = readAll(fs, DIR, problems);
  const lost = events.find((e) => e.type === 'LogLost') as Extract<StoredEvent, { type: 'LogLost' }>;
  assert.ok(lost);
  assert.equal([lost.seq, lost.data.to, lost.data.lostHead, lost.data.evidence, lost.data.carried], [pos.seq + 1, pos.seq, pos.head, 'the test checkpoint', { note: 'kept' }]);
  const seqs = events.map((e) => e.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no seq twice');
  assert.ok(seqs.every((s) => s < lost.data.from || s > lost.data.to));
  assert.equal(listSegments(fs, DIR).map((s) => s.baseSeq).slice(0, 2), [1, pos.seq + 1]);
  assert.equal(problems.map((p) => p.kind), ['lost']);
  const report = verifyLog(DIR, fs);
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.equal(report.lost.length, 1);
  assert.is(events.at(-1)!.type, 'OperatorNote');
  assert.ok(events.some((e) => e.type === 'LogRepaired'), 'the torn remainder was quarantined and recorded');
});

test('a gap that no LogLost accounts for is still corruption', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 40, 700);
  const segs = listSegments(fs, DIR);
  assert.ok(segs.length >= 3);
  fs.files.delete(segs[1].path);
  const report = verifyLog(DIR, fs);
  assert.not.ok(report.ok);
  assert.ok(report.problems.some((p) => /seq gap: events \d+\.\.\d+ missing/.test(p.reason)));
  assert.equal(report.lost, []);
});

test('the evidence agrees with the log (also when the log went on after it): nothing is recorded', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 5);
  const pos = positionOf(fs);
  const w = open(fs, { position: pos, source: 'cp' });
  w.append([{ type: 'OperatorNote', data: { text: 'more' } }]);
  w.close();
  const again = open(fs, { position: pos, source: 'cp' });
  again.close();
  assert.not.ok(readAll(fs, DIR).some((e) => e.type === 'LogLost'));
});

test('a record replaced at the seq the evidence hashed: LogLost for that seq, no jump (the log already went past it)', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 3);
  const pos = positionOf(fs);
  // Another log with the same seqs and other bytes, where this one was.
  const replaced = new MemFs();
  const w1 = LogWriter.open(DIR, { clock: fixedClock(), bootId: 'another-boot', fs: replaced });
  for (let i = 0; i < 6; i++) w1.append([{ type: 'OperatorNote', data: { text: `other ${i}` } }]);
  w1.close();
  const w = open(replaced, { position: pos, source: 'cp' });
  w.close();
  const events = readAll(replaced, DIR);
  const lost = events.find((e) => e.type === 'LogLost') as Extract<StoredEvent, { type: 'LogLost' }>;
  assert.ok(lost);
  assert.equal([lost.data.from, lost.data.to, lost.seq], [pos.seq, pos.seq, 7]);
  assert.match(lost.data.reason, /is not the one cp recorded/);
});

test('an emptied newest segment vouches for the seq before its name: a previous segment cut short of it is a loss', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 40, 700);
  const segs = listSegments(fs, DIR);
  const last = segs.at(-1)!, prev = segs.at(-2)!;
  fs.files.set(last.path, Buffer.alloc(0));
  // First: only the newest segment emptied. Its name vouches for nothing the previous one lacks.
  const intact = fs.clone();
  open(intact).close();
  assert.not.ok(readAll(intact, DIR).some((e) => e.type === 'LogLost'));
  // Then: the previous segment lost its last record too.
  const cut = lastRecordBytes(fs, prev.name);
  fs.files.set(prev.path, fs.files.get(prev.path)!.subarray(0, cut));
  open(fs).close();
  const lost = readAll(fs, DIR).find((e) => e.type === 'LogLost') as Extract<StoredEvent, { type: 'LogLost' }>;
  assert.ok(lost);
  assert.is(lost.data.to, last.baseSeq - 1);
  assert.match(lost.data.evidence, new RegExp(`the name of segment ${last.name}`));
  assert.is(lost.seq, last.baseSeq, 'appending goes on at the emptied segment\'s base, never below it');
});


test('with evidence in the newest segment, recovery reads on from the record it names, not from the segment start; appending and repair are as without it', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 400);
  const pos = positionOf(fs);
  const [seg] = listSegments(fs, DIR);
  // A torn write after the evidence: it must still be found and repaired.
  fs.files.set(seg.path, Buffer.concat([fs.files.get(seg.path)!, Buffer.from([0xc1, 0x4b, 0x53, 0x55, 1, 2, 3])]));
  const reads: number[] = [];
  const read = fs.readSync;
  fs.readSync = (fd, buf, offset, length, position) => { reads.push(position); return read(fd, buf, offset, length, position); };
  const w = open(fs, { position: pos, source: 'cp' });
  fs.readSync = read;
  w.append([{ type: 'OperatorNote', data: { text: 'next' } }]);
  w.close();
  assert.ok(reads.length > 0 && reads.every((at) => at === 0 || at >= pos.headOffset), `reads at ${reads.join(', ')}; the evidence's record starts at ${pos.headOffset}`);
  const events = readAll(fs, DIR);
  assert.equal(events.slice(-2).map((e) => [e.seq, e.type]), [[pos.seq + 1, 'LogRepaired'], [pos.seq + 2, 'OperatorNote']]);
  assert.ok(verifyLog(DIR, fs).ok);
});


test('evidence that outlived the loss it proved (the writer died before rewriting the checkpoint) is not recorded twice', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 10);
  const stale: Evidence = { position: positionOf(fs), source: 'cp' };
  const [seg] = listSegments(fs, DIR);
  fs.files.set(seg.path, Buffer.alloc(0));
  open(fs, stale).close();
  open(fs, stale).close();
  const w = open(fs, stale);
  w.append([{ type: 'OperatorNote', data: { text: 'after' } }]);
  w.close();
  assert.equal(readAll(fs, DIR).filter((e) => e.type === 'LogLost').length, 1);
});

test.run();
