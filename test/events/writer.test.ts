import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogError } from '../../events/errors.js';
import { HEADER_SIZE, decodeHeader, hashFrame, segmentName } from '../../events/format.js';
import { listSegments } from '../../events/segments.js';
import { verifyLog } from '../../events/verify.js';
import { LogWriter } from '../../events/writer.js';
import { BOOT, T0, batch, buildLog, fixedClock, readAll } from '../helpers/fixture.js';
import { MemFs } from '../helpers/memFs.js';

const DIR = '/data/events';
const open = (fs: MemFs, segmentBytes?: number) => LogWriter.open(DIR, { clock: fixedClock(), bootId: BOOT, fs, segmentBytes });

test('a new log starts at seq 1 with the time and boot id injected', () => {
  const fs = new MemFs();
  const w = open(fs);
  assert.equal(w.append([{ type: 'OperatorNote', data: { text: 'a' } }]), { firstSeq: 1, lastSeq: 1 });
  assert.equal(w.append(batch(1)), { firstSeq: 2, lastSeq: 3 });
  w.close();
  const events = readAll(fs, DIR);
  assert.equal(events.map((e) => e.seq), [1, 2, 3]);
  assert.is(events[0].at, T0);
  assert.is(events[1].at, T0 + 1000);
  assert.is(events[1].at, events[2].at, 'one append, one time');
  assert.is(events[0].boot, BOOT);
  assert.is(events[1].attempt, '01ATTEMPT1');
  assert.is(events[2].attempt, undefined);
});

test('reopening continues the seq and the hash chain', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 5);
  const w = open(fs);
  assert.is(w.lastSeq, readAll(fs, DIR).length);
  w.append([{ type: 'OperatorNote', data: { text: 'later' } }]);
  w.close();
  assert.ok(verifyLog(DIR, fs).ok);
});

test('segments rotate by size; each header names its base seq and chains to the previous record', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 60, 512);
  const segs = listSegments(fs, DIR);
  assert.ok(segs.length > 4);
  for (const s of segs) {
    const bytes = fs.files.get(s.path)!;
    assert.ok(bytes.length <= 512 || bytes.length - HEADER_SIZE < 512, 'one oversized record at most');
    const h = decodeHeader(bytes);
    assert.ok(!('error' in h));
    if (!('error' in h)) assert.is(segmentName(h.baseSeq), s.name);
  }
  const report = verifyLog(DIR, fs);
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.is(report.segments, segs.length);
});

test('an fdatasync failure: the append is not acknowledged and the writer stops for good', () => {
  const fs = new MemFs();
  const w = open(fs);
  w.append([{ type: 'OperatorNote', data: { text: 'acked' } }]);
  fs.failOn('fdatasyncSync', (fs.calls.get('fdatasyncSync') ?? 0) + 1);
  let err: unknown;
  try { w.append([{ type: 'OperatorNote', data: { text: 'not acked' } }]); } catch (e) { err = e; }
  assert.instance(err, LogError);
  assert.is((err as LogError).code, 'LOG_IO');
  assert.match((err as LogError).message, /fdatasync failed/);
  // Never retry and continue (fsyncgate): the next append fails the same way without touching the disk.
  const writes = fs.calls.get('writeSync');
  assert.throws(() => w.append([{ type: 'OperatorNote', data: { text: 'again' } }]), (e: unknown) => (e as LogError).code === 'LOG_IO');
  assert.is(fs.calls.get('writeSync'), writes);
  // The next writer recovers a clean log; the unacknowledged record may or may not have survived.
  const next = open(fs);
  const { firstSeq } = next.append([{ type: 'OperatorNote', data: { text: 'next writer' } }]);
  next.close();
  assert.ok(firstSeq === 3 || firstSeq === 4, `firstSeq ${firstSeq}: the unacknowledged record and a LogRepaired may come before`);
  const report = verifyLog(DIR, fs);
  assert.ok(report.ok);
  assert.equal(readAll(fs, DIR)[0].data, { text: 'acked' });
});

/** A at 1 (acked), B fails its fdatasync, the next writer appends C, then the power goes. */
function fsyncgate(keepMarker: boolean) {
  const fs = new MemFs();
  const w = open(fs);
  w.append([{ type: 'OperatorNote', data: { text: 'A' } }]);
  fs.failOn('fdatasyncSync', (fs.calls.get('fdatasyncSync') ?? 0) + 1);
  assert.throws(() => w.append([{ type: 'OperatorNote', data: { text: 'B' } }]));
  assert.ok(fs.files.has(`${DIR}/sync-failed.json`), 'the failing writer left its marker');
  if (!keepMarker) fs.unlinkSync(`${DIR}/sync-failed.json`);
  assert.equal(readAll(fs, DIR).map((e) => e.data), [{ text: 'A' }, { text: 'B' }], 'readers see B: its bytes are in the cache');
  const next = open(fs);
  next.append([{ type: 'OperatorNote', data: { text: 'C' } }]);
  next.close();
  fs.crash();
  return fs;
}

test('fsyncgate: after a failed fdatasync the next writer makes what readers saw durable', () => {
  const fs = fsyncgate(true);
  const report = verifyLog(DIR, fs);
  assert.ok(report.ok, JSON.stringify(report.problems));
  const events = readAll(fs, DIR);
  assert.equal(events.filter((e) => e.type === 'OperatorNote').map((e) => e.data), [{ text: 'A' }, { text: 'B' }, { text: 'C' }]);
  const repaired = events.find((e) => e.type === 'LogRepaired');
  assert.match(String((repaired?.data as { reason: string }).reason), /earlier fsync failed/);
  assert.not.ok(fs.files.has(`${DIR}/sync-failed.json`));
});

test('fsyncgate control: without the marker the same power cut leaves a hole before C', () => {
  const fs = fsyncgate(false);
  const report = verifyLog(DIR, fs);
  assert.not.ok(report.ok, 'the model loses B, as Linux does, so the marker is what saves the log');
  assert.ok(readAll(fs, DIR).some((e) => (e.data as { text?: string }).text === 'C'), 'C itself was synced');
});

test('a failed write leaves no partial record behind', () => {
  const fs = new MemFs();
  const w = open(fs);
  w.append([{ type: 'OperatorNote', data: { text: 'one' } }]);
  const size = fs.files.get(`${DIR}/${segmentName(1)}`)!.length;
  fs.failOn('writeSync', (fs.calls.get('writeSync') ?? 0) + 1);
  assert.throws(() => w.append([{ type: 'OperatorNote', data: { text: 'two' } }]), (e: unknown) => (e as LogError).code === 'LOG_IO');
  assert.is(fs.files.get(`${DIR}/${segmentName(1)}`)!.length, size);
});

test('a failed rotation stops the writer; the next one finishes the segment', () => {
  const fs = new MemFs();
  const w = open(fs, 300);
  for (let i = 0; i < 3; i++) w.append(batch(i));
  fs.failOn('renameSync', (fs.calls.get('renameSync') ?? 0) + 1);
  let err: unknown;
  for (let i = 3; i < 20 && !err; i++) { try { w.append(batch(i)); } catch (e) { err = e; } }
  assert.is((err as LogError).code, 'LOG_IO');
  assert.ok([...fs.files.keys()].some((p) => p.endsWith('.seg.tmp')), 'the tmp header is left');
  const next = open(fs, 300);
  next.append([{ type: 'OperatorNote', data: { text: 'on' } }]);
  next.close();
  assert.not.ok([...fs.files.keys()].some((p) => p.endsWith('.tmp')), 'leftover tmp removed');
  assert.ok(verifyLog(DIR, fs).ok);
});

test('records over the cap and unknown types are refused before anything is written', () => {
  const fs = new MemFs();
  const w = open(fs);
  assert.throws(() => w.append([{ type: 'OperatorNote', data: { text: 'x'.repeat(1024 * 1024 + 1) } }]), (e: unknown) => (e as LogError).code === 'RECORD_TOO_LARGE');
  assert.throws(() => w.append([{ type: 'Bogus', data: {} } as never]), (e: unknown) => (e as LogError).code === 'BAD_EVENT');
  assert.throws(() => w.append([]), (e: unknown) => (e as LogError).code === 'BAD_EVENT');
  assert.is(w.lastSeq, 0);
});

test('a newest segment whose header is damaged is sealed as it is and a new one started', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 10);
  const path = `${DIR}/${segmentName(1)}`;
  fs.files.get(path)![3] ^= 0xff;
  const w = open(fs);
  const { firstSeq } = w.append([{ type: 'OperatorNote', data: { text: 'new segment' } }]);
  w.close();
  assert.is(listSegments(fs, DIR).length, 2);
  assert.is(firstSeq, 14, 'continues after the 13 events of the damaged segment');
  const report = verifyLog(DIR, fs);
  assert.is(report.problems.length, 1);
  assert.is(report.problems[0].reason, 'bad segment magic');
  assert.is(report.lastSeq, 14);
});

test('a repair interrupted after the copy and truncation is finished by the next open', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 4);
  const path = `${DIR}/${segmentName(1)}`;
  const good = fs.files.get(path)!.length;
  // As if a crash came between truncation and the LogRepaired append.
  fs.files.set(`${DIR}/quarantine/${segmentName(1)}@${good}.${T0}.torn.pending`, Buffer.from('torn bytes'));
  open(fs).close();
  const repaired = readAll(fs, DIR).filter((e) => e.type === 'LogRepaired');
  assert.is(repaired.length, 1);
  assert.equal(repaired[0].data, { segment: segmentName(1), droppedBytes: 10, reason: 'repair interrupted by a crash', quarantined: `${segmentName(1)}@${good}.${T0}.torn` });
  assert.ok(fs.files.has(`${DIR}/quarantine/${segmentName(1)}@${good}.${T0}.torn`));
  open(fs).close();
  assert.is(readAll(fs, DIR).filter((e) => e.type === 'LogRepaired').length, 1, 'not recorded twice');
});

test('a repair interrupted after LogRepaired was appended is only renamed', () => {
  const fs = new MemFs();
  buildLog(fs, DIR, 2);
  const path = `${DIR}/${segmentName(1)}`;
  fs.files.set(path, Buffer.concat([fs.files.get(path)!, Buffer.from('torn')]));
  open(fs).close();
  const [rep] = readAll(fs, DIR).filter((e) => e.type === 'LogRepaired');
  const name = (rep.data as { quarantined: string }).quarantined;
  const q = `${DIR}/quarantine/${name}`;
  fs.files.set(`${q}.pending`, fs.files.get(q)!);
  fs.files.delete(q);
  open(fs).close();
  assert.ok(fs.files.has(q));
  assert.is(readAll(fs, DIR).filter((e) => e.type === 'LogRepaired').length, 1);
});

test('the head is the SHA-256 of the newest record', () => {
  const fs = new MemFs();
  const w = open(fs);
  w.append([{ type: 'OperatorNote', data: { text: 'x' } }]);
  const bytes = fs.files.get(`${DIR}/${segmentName(1)}`)!;
  assert.is(w.head, hashFrame(bytes.subarray(HEADER_SIZE)).toString('hex'));
  w.close();
  assert.is(verifyLog(DIR, fs).head, w.head);
});

test.run();
