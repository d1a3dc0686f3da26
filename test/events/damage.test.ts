/**
 * Every way one segment can be cut or one bit flipped (LOG.md F2–F4): no changed event is ever
 * returned, a torn tail is repaired with evidence kept, corruption in the middle is reported and
 * every record around it is kept.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCursor, type LogProblem } from '../../events/cursor.js';
import { HEADER_SIZE } from '../../events/format.js';
import { listSegments } from '../../events/segments.js';
import type { StoredEvent } from '../../events/types.js';
import { verifyLog } from '../../events/verify.js';
import { LogWriter } from '../../events/writer.js';
import { BOOT, buildLog, fixedClock, readAll } from '../helpers/fixture.js';
import { MemFs } from '../helpers/memFs.js';

const DIR = '/data/events';
const base = new MemFs();
buildLog(base, DIR, 30, 700);
const segments = listSegments(base, DIR);
const original = readAll(base, DIR);
const lastSeg = segments[segments.length - 1];
const lastBytes = base.files.get(lastSeg.path)!;

/** Record boundaries of the last segment: [offset, endOffset, firstSeq, count]. */
const bounds: Array<{ start: number; end: number; seqs: number[] }> = [];
new LogCursor(DIR, {
  fs: base,
  onRecord: (r) => {
    if (r.segment === lastSeg.name) bounds.push({ start: r.offset, end: r.offset + r.frameBytes, seqs: r.payload.events.map((_, i) => r.payload.seq + i) });
  },
}).poll();

function sameAsOriginal(events: StoredEvent[], label: string): void {
  const seen = new Set<number>();
  for (const e of events) {
    assert.ok(!seen.has(e.seq), `${label}: seq ${e.seq} twice`);
    seen.add(e.seq);
    assert.equal(e, original[e.seq - 1], `${label}: seq ${e.seq} changed`);
  }
}

test('the fixture spans three segments', () => {
  assert.ok(segments.length >= 3, `segments: ${segments.length}`);
  assert.is(original.length, original[original.length - 1].seq);
});

test('a cut at every byte offset of the last segment: readers get the whole records before it, and nothing else', () => {
  for (let cut = 0; cut <= lastBytes.length; cut++) {
    const fs = base.clone();
    fs.files.set(lastSeg.path, Buffer.from(lastBytes.subarray(0, cut)));
    const problems: LogProblem[] = [];
    const cursor = new LogCursor(DIR, { fs, onProblem: (p) => problems.push(p) });
    const events = cursor.poll();
    sameAsOriginal(events, `cut ${cut}`);
    const whole = bounds.filter((b) => b.end <= cut).flatMap((b) => b.seqs);
    const expected = original.filter((e) => e.seq < lastSeg.baseSeq || whole.includes(e.seq)).length;
    assert.is(events.length, expected, `cut ${cut}`);
    if (cut >= HEADER_SIZE) {
      assert.equal(problems, [], `cut ${cut}: a torn tail is not corruption`);
      const atBoundary = cut === HEADER_SIZE || bounds.some((b) => b.end === cut);
      assert.is(cursor.tail === null, atBoundary, `cut ${cut}: tail reported`);
    }
  }
});

test('the newest segment cut inside its header (emptied, or made but not yet written) is a torn tail, not corruption; sealed by a later segment it is', () => {
  for (let cut = 0; cut < HEADER_SIZE; cut++) {
    const fs = base.clone();
    fs.files.set(lastSeg.path, Buffer.from(lastBytes.subarray(0, cut)));
    const problems: LogProblem[] = [];
    const cursor = new LogCursor(DIR, { fs, onProblem: (p) => problems.push(p) });
    cursor.poll();
    assert.equal(problems, [], `cut ${cut}`);
    assert.equal(cursor.tail, { segment: lastSeg.name, offset: 0, bytes: cut, reason: 'truncated segment header', kind: 'torn' }, `cut ${cut}`);
    assert.ok(verifyLog(DIR, fs).ok, `cut ${cut}: verify is clean until the writer repairs it`);
  }
  const sealed = base.clone();
  const middle = segments[segments.length - 2];
  sealed.files.set(middle.path, Buffer.from(base.files.get(middle.path)!.subarray(0, 10)));
  const problems: LogProblem[] = [];
  new LogCursor(DIR, { fs: sealed, onProblem: (p) => problems.push(p) }).poll();
  assert.equal(problems.map((p) => [p.segment, p.kind, p.reason])[0], [middle.name, 'corrupt', 'truncated segment header (segment is sealed)']);
  assert.ok(problems.slice(1).every((p) => p.kind === 'corrupt' && /^seq gap/.test(p.reason)), 'and the records it held are a gap');
});

test('a cut at every byte offset: the writer quarantines the torn bytes, records LogRepaired, and appends after them', () => {
  for (let cut = 0; cut <= lastBytes.length; cut++) {
    const fs = base.clone();
    fs.files.set(lastSeg.path, Buffer.from(lastBytes.subarray(0, cut)));
    const survivors = new LogCursor(DIR, { fs }).poll().length;
    const w = LogWriter.open(DIR, { clock: fixedClock(), bootId: BOOT, fs });
    const repairs = new LogCursor(DIR, { fs }).poll().filter((e) => e.type === 'LogRepaired');
    const torn = cut >= HEADER_SIZE ? !(cut === HEADER_SIZE || bounds.some((b) => b.end === cut)) : true;
    assert.is(repairs.length, torn ? 1 : 0, `cut ${cut}: LogRepaired count`);
    if (torn) {
      const data = repairs[0].data as { quarantined: string; droppedBytes: number; segment: string };
      const kept = fs.files.get(`${DIR}/quarantine/${data.quarantined}`);
      assert.ok(kept, `cut ${cut}: quarantined copy`);
      assert.is(kept!.length, data.droppedBytes);
      assert.is(data.segment, lastSeg.name);
    }
    const { firstSeq } = w.append([{ type: 'OperatorNote', data: { text: 'after' } }]);
    w.close();
    assert.is(firstSeq, survivors + (torn ? 1 : 0) + 1, `cut ${cut}: next seq`);
    const report = verifyLog(DIR, fs);
    assert.ok(report.ok, `cut ${cut}: ${JSON.stringify(report.problems)}`);
    assert.is(report.tail, null);
    assert.is(report.lastSeq, firstSeq);
    // Recovery is idempotent: opening again repairs nothing more.
    LogWriter.open(DIR, { clock: fixedClock(), bootId: BOOT, fs }).close();
    assert.is(new LogCursor(DIR, { fs }).poll().filter((e) => e.type === 'LogRepaired').length, repairs.length);
  }
});

test('a flipped bit anywhere: never a changed event; corruption reported; every other record kept', () => {
  let cases = 0;
  for (const seg of segments) {
    const bytes = base.files.get(seg.path)!;
    const segBounds: Array<{ start: number; end: number; seqs: number[] }> = [];
    new LogCursor(DIR, { fs: base, onRecord: (r) => { if (r.segment === seg.name) segBounds.push({ start: r.offset, end: r.offset + r.frameBytes, seqs: r.payload.events.map((_, i) => r.payload.seq + i) }); } }).poll();
    const isLastSeg = seg === lastSeg;
    const lastRecord = segBounds[segBounds.length - 1];
    for (let byte = 0; byte < bytes.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        cases++;
        const fs = base.clone();
        fs.files.get(seg.path)![byte] ^= 1 << bit;
        const problems: LogProblem[] = [];
        const cursor = new LogCursor(DIR, { fs, onProblem: (p) => problems.push(p) });
        const events = cursor.poll();
        const label = `${seg.name} byte ${byte} bit ${bit}`;
        sameAsOriginal(events, label);
        const hit = segBounds.find((b) => byte >= b.start && byte < b.end);
        const lost = new Set(hit ? hit.seqs : []);
        assert.is(events.length, original.length - lost.size, `${label}: records kept`);
        if (isLastSeg && hit === lastRecord) {
          assert.ok(cursor.tail !== null || problems.length > 0, `${label}: damage noticed`);
        } else {
          assert.ok(problems.some((p) => p.kind === 'corrupt'), `${label}: corruption reported`);
        }
      }
    }
  }
  assert.ok(cases > 10_000, `cases: ${cases}`);
});

test('after a flipped bit the writer still opens and appends, and verify keeps reporting the damage', () => {
  const seg = segments[1];
  const bytes = base.files.get(seg.path)!;
  for (let byte = HEADER_SIZE; byte < bytes.length; byte += 13) {
    const fs = base.clone();
    fs.files.get(seg.path)![byte] ^= 0x10;
    const w = LogWriter.open(DIR, { clock: fixedClock(), bootId: BOOT, fs });
    const { firstSeq } = w.append([{ type: 'OperatorNote', data: { text: 'still working' } }]);
    w.close();
    assert.is(firstSeq, original.length + 1);
    const report = verifyLog(DIR, fs);
    assert.not.ok(report.ok, `byte ${byte}`);
    assert.is(report.lastSeq, firstSeq);
  }
});

test.run();
