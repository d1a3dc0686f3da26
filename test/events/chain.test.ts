/** The hash chain catches what CRCs cannot: deliberate edits with the checksum fixed up. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCursor } from '../../events/cursor.js';
import { FRAME_OVERHEAD, frameCrc } from '../../events/format.js';
import { listSegments } from '../../events/segments.js';
import { verifyLog } from '../../events/verify.js';
import { buildLog } from '../helpers/fixture.js';
import { MemFs } from '../helpers/memFs.js';

const DIR = '/data/events';

function fixture() {
  const fs = new MemFs();
  buildLog(fs, DIR, 12);
  const [seg] = listSegments(fs, DIR);
  const records: Array<{ offset: number; frameBytes: number; seq: number }> = [];
  new LogCursor(DIR, { fs, onRecord: (r) => records.push({ offset: r.offset, frameBytes: r.frameBytes, seq: r.payload.seq }) }).poll();
  return { fs, path: seg.path, records };
}

test('the untouched fixture verifies clean', () => {
  const { fs } = fixture();
  assert.ok(verifyLog(DIR, fs).ok);
});

test('one payload byte edited and its CRC fixed up: readers cannot tell, verify can', () => {
  const { fs, path, records } = fixture();
  const bytes = fs.files.get(path)!;
  const r = records[3]; // "note 3"
  const text = bytes.indexOf('note 3', r.offset);
  assert.ok(text > r.offset && text < r.offset + r.frameBytes);
  bytes[text + 5] = '9'.charCodeAt(0);
  bytes.writeUInt32LE(frameCrc(bytes, r.offset, r.frameBytes - FRAME_OVERHEAD), r.offset + 4);
  const edited = new LogCursor(DIR, { fs }).poll().find((e) => e.seq === r.seq);
  assert.equal(edited?.data, { text: 'note 9 xxx' }, 'the CRC alone accepts the edit');
  const report = verifyLog(DIR, fs);
  assert.not.ok(report.ok);
  assert.is(report.problems.length, 1);
  assert.match(report.problems[0].reason, /hash chain broken/);
  assert.is(report.problems[0].offset, records[4].offset);
});

test('a whole record removed is a seq gap', () => {
  const { fs, path, records } = fixture();
  const bytes = fs.files.get(path)!;
  const r = records[5];
  fs.files.set(path, Buffer.concat([bytes.subarray(0, r.offset), bytes.subarray(r.offset + r.frameBytes)]));
  const report = verifyLog(DIR, fs);
  assert.not.ok(report.ok);
  assert.match(report.problems[0].reason, /seq gap/);
});

test('two records swapped are out of order', () => {
  const { fs, path, records } = fixture();
  const bytes = fs.files.get(path)!;
  const [a, b] = [records[6], records[7]];
  const swapped = Buffer.concat([
    bytes.subarray(0, a.offset), bytes.subarray(b.offset, b.offset + b.frameBytes),
    bytes.subarray(a.offset, a.offset + a.frameBytes), bytes.subarray(b.offset + b.frameBytes),
  ]);
  fs.files.set(path, swapped);
  const report = verifyLog(DIR, fs);
  assert.not.ok(report.ok);
  assert.ok(report.problems.some((p) => /out of order|seq gap/.test(p.reason)));
  const seqs = new LogCursor(DIR, { fs }).poll().map((e) => e.seq);
  assert.equal(seqs, [...seqs].sort((x, y) => x - y), 'readers still deliver in seq order, never twice');
  assert.is(new Set(seqs).size, seqs.length);
});

test.run();
