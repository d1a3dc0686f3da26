/**
 * Fuzzing the log's bytes. Two targets:
 *  - FrameScanner over raw bytes: frames our writer's encoder makes, mutated, random, and hostile
 *    (forged markers claiming up to 4 GiB). Items tile the input exactly, every frame is a real
 *    one, a skip is always followed by a frame, and every frame before the first damaged byte
 *    comes back where it was.
 *  - LogCursor and verifyLog over a multi-segment log our LogWriter wrote (in memory, MemFs),
 *    with one or two segment files mutated. Nothing throws; every record before the damage, and
 *    every record of an undamaged later segment, comes back exactly as written; nothing is
 *    invented, duplicated or reordered; any record lost in the middle is reported via onProblem;
 *    reading in small chunks gives the same events.
 * Through the CLI, `verify`, `events` and `status` on a damaged log on disk exit as documented.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCursor, type LogProblem } from '../../events/cursor.js';
import { FRAME_MARKER, FRAME_OVERHEAD, MAX_PAYLOAD, ZERO_HASH, encodeFrame, encodePayload, frameCrc } from '../../events/format.js';
import { bufferSource, FrameScanner, type ScanItem } from '../../events/scan.js';
import { listSegments } from '../../events/segments.js';
import type { NewEvent, StoredEvent } from '../../events/types.js';
import { verifyLog } from '../../events/verify.js';
import { LogWriter } from '../../events/writer.js';
import { LogError } from '../../events/errors.js';
import { BOOT, batch, fixedClock } from '../helpers/fixture.js';
import { MemFs } from '../helpers/memFs.js';
import { randomBatches } from '../helpers/randomEvents.js';
import { tmpDir } from '../helpers/tmp.js';
import { CLI_CASES, CLI_JOBS, assertCliOutcome, assertMix, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { INTERESTING_U32, mutate } from './mutate.js';
import { mulberry32, rngFrom, type Rng } from './prng.js';

const FILE = 'fuzz/log.test.js';
const DIR = '/data/events';
const DICT = [FRAME_MARKER.toString('latin1'), '\x89KSULOG\n', '\0\0\0\0', '\xff\xff\xff\xff', '\x00\x00\x10\x00', '\x01\x00\x10\x00'];

/** The first byte at which `b` differs from `a` (the shorter length when one is a prefix of the other). */
function firstDiff(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? Infinity : n;
}

// ---- FrameScanner over raw bytes ------------------------------------------------------------

function frameBytes(seq: number, r: Rng): Buffer {
  const text = 'x'.repeat(r.size(600));
  return encodeFrame(encodePayload({ seq, at: 1.7e12 + seq, boot: 'b', events: [{ type: 'OperatorNote', v: 1, data: { text } }] }), r.chance(0.5) ? ZERO_HASH : r.bytes(32));
}

interface ScanCase extends Case { frames: Array<{ offset: number; bytes: number }>; original: Buffer }

/** Markers, each claiming a length (up to 4 GiB, or just past what remains), over a CRC that fails. */
function hostile(r: Rng): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const target = r.pick([1024, 4096, 65536, 262144]);
  while (size < target) {
    const f = Buffer.alloc(FRAME_OVERHEAD + r.int(64));
    FRAME_MARKER.copy(f);
    f.writeUInt32LE(r.u32(), 4);
    f.writeUInt32LE(r.chance(0.5) ? r.pick(INTERESTING_U32) : Math.min(MAX_PAYLOAD, target - size + r.int(64)), 8);
    parts.push(f);
    size += f.length;
  }
  return Buffer.concat(parts);
}

function genScan(r: Rng): ScanCase {
  const frames: Array<{ offset: number; bytes: number }> = [];
  const parts: Buffer[] = [];
  let at = 0;
  for (let n = r.int(12); n > 0; n--) {
    const f = frameBytes(1 + frames.length, r);
    frames.push({ offset: at, bytes: f.length });
    parts.push(f);
    at += f.length;
  }
  const original = Buffer.concat(parts);
  const k = r.int(100);
  if (k < 15) return { input: original, kind: 'valid', frames, original };
  if (k < 80) {
    const { bytes, ops } = mutate(original, r, { dictionary: DICT, corpus: parts, maxSize: 1 << 20 });
    return { input: bytes, kind: 'mutated', how: ops.join('+'), frames, original };
  }
  if (k < 85) return { input: hostile(r), kind: 'hostile', frames: [], original: Buffer.alloc(0) };
  // Random bytes with markers sprinkled in, so resync has something to try.
  const b = r.bytes(r.size(8192));
  for (let n = r.int(20); n > 0 && b.length >= 4; n--) FRAME_MARKER.copy(b, r.int(b.length - 3));
  return { input: b, kind: 'random', frames: [], original: Buffer.alloc(0) };
}

function checkScan(c: ScanCase): string {
  const items: ScanItem[] = [];
  try {
    const s = new FrameScanner(bufferSource(c.input), 0);
    for (let item = s.next(); item; item = s.next()) {
      items.push(item.kind === 'frame' ? { ...item, buf: Buffer.from(item.buf.subarray(item.at, item.at + item.bytes)), at: 0 } : item);
      if (items.length > c.input.length + 1) throw new Error('more items than bytes: the scanner does not advance');
    }
  } catch (err) {
    throw new Error(`the scanner threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  let pos = 0;
  items.forEach((it, i) => {
    assert.is(it.offset, pos, `item ${i} starts where the one before ended`);
    assert.ok(it.bytes > 0, `item ${i} is not empty`);
    pos += it.bytes;
    if (it.kind === 'frame') {
      const len = it.buf.readUInt32LE(8);
      assert.ok(it.buf.subarray(0, 4).equals(FRAME_MARKER) && len > 0 && len <= MAX_PAYLOAD && it.bytes === FRAME_OVERHEAD + len, 'a frame is a frame');
      assert.is(it.buf.readUInt32LE(4), frameCrc(it.buf, 0, len), 'a frame\'s CRC matches');
    } else if (it.kind === 'skip') {
      assert.is(items[i + 1]?.kind, 'frame', 'a skip is followed by a frame');
    } else {
      assert.is(i, items.length - 1, 'a tail is last');
    }
  });
  assert.is(pos, c.input.length, 'the items cover every byte');
  const damage = firstDiff(c.original, c.input);
  const kept = c.frames.filter((f) => f.offset + f.bytes <= damage);
  for (const f of kept) {
    const it = items.find((x) => x.offset === f.offset);
    assert.ok(it && it.kind === 'frame' && it.bytes === f.bytes, `the frame at ${f.offset}, before the damage at ${damage}, comes back`);
  }
  const n = items.filter((x) => x.kind === 'frame').length;
  return n === 0 ? 'no frame' : items.some((x) => x.kind !== 'frame') ? 'frames and damage' : 'only frames';
}

test(`log bytes: FrameScanner on ${process.env.FUZZ_CASES ?? 10000} byte strings`, () => {
  const stats = runFuzz<ScanCase>({ name: 'log frames', file: FILE, gen: genScan, check: checkScan });
  assertMix(stats, ['valid', 'mutated', 'random', 'hostile']);
});

// ---- LogCursor and verifyLog over a damaged log -----------------------------------------------

interface Pristine {
  fs: MemFs;
  names: string[];
  /** Every event by seq, as a reader returns it from the intact log. */
  events: Map<number, string>;
  /** Each record: its segment, where it ends in it, and the seqs it holds. */
  records: Array<{ segment: string; end: number; seqs: number[] }>;
}

function pristine(seed: number): Pristine {
  const r = rngFrom(mulberry32(seed));
  const fs = new MemFs();
  const w = LogWriter.open(DIR, { clock: fixedClock(), bootId: BOOT, fs, segmentBytes: r.pick([700, 1500, 4000]) });
  const batches: NewEvent[][] = r.chance(0.5) ? Array.from({ length: 30 }, (_, i) => batch(i)) : randomBatches(seed, 30);
  for (const b of batches) w.append(b);
  w.close();
  const records: Pristine['records'] = [];
  const all = new LogCursor(DIR, { fs, onRecord: (x) => records.push({ segment: x.segment, end: x.offset + x.frameBytes, seqs: x.payload.events.map((_, i) => x.payload.seq + i) }) }).poll();
  return { fs, names: listSegments(fs, DIR).map((s) => s.name), events: new Map(all.map((e) => [e.seq, JSON.stringify(e)])), records };
}

const LOGS = [1, 2, 3, 4].map(pristine);

interface LogCase extends Case { log: Pristine; fs: MemFs; damage: Map<string, number> }

function genLog(r: Rng): LogCase {
  const log = r.pick(LOGS);
  const fs = log.fs.clone();
  const damage = new Map<string, number>();
  const k = r.int(100);
  let shown: Buffer = Buffer.alloc(0);
  let how = '';
  let kind = 'valid';
  if (k >= 10) {
    kind = k < 90 ? 'mutated' : 'random';
    for (let n = r.chance(0.8) ? 1 : 2; n > 0; n--) {
      const name = r.pick(log.names);
      const path = join(DIR, name);
      const before = fs.files.get(path)!;
      let after: Buffer;
      if (kind === 'random') after = r.bytes(r.size(4096));
      else {
        const corpus = log.names.map((x) => log.fs.files.get(join(DIR, x))!);
        const m = mutate(before, r, { dictionary: DICT, corpus, maxSize: 1 << 20 });
        after = m.bytes;
        how += `${name}:${m.ops.join('+')} `;
      }
      fs.files.set(path, Buffer.from(after));
      damage.set(name, Math.min(damage.get(name) ?? Infinity, firstDiff(log.fs.files.get(path)!, after)));
      shown = after;
    }
  }
  return { input: shown, kind, how, log, fs, damage };
}

function checkLog(c: LogCase, r: Rng): string {
  const { log, fs } = c;
  const problems: LogProblem[] = [];
  let got: StoredEvent[];
  let cursor: LogCursor;
  try {
    cursor = new LogCursor(DIR, { fs, onProblem: (p) => problems.push(p) });
    got = cursor.poll();
  } catch (err) {
    throw new Error(`the cursor threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  const seen = got.map((e) => e.seq);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `seqs in order, each once: ${seen[i - 1]} then ${seen[i]}`);
  for (const e of got) assert.is(JSON.stringify(e), log.events.get(e.seq), `event ${e.seq} is one that was written`);
  // Every record before the damage, and of every undamaged segment after it, comes back.
  const gotSet = new Set(seen);
  for (const rec of log.records) {
    const segIndex = log.names.indexOf(rec.segment);
    const d = c.damage.get(rec.segment);
    const must = d === undefined ? true : rec.end <= d;
    if (!must) continue;
    for (const s of rec.seqs) assert.ok(gotSet.has(s), `event ${s} (segment ${segIndex}, record ending at ${rec.end}; damage at ${d}) was lost`);
  }
  // Loss in the middle is never silent.
  const max = seen.length ? seen[seen.length - 1] : 0;
  const lostInside = [...log.events.keys()].filter((s) => s < max && !gotSet.has(s));
  if (lostInside.length) assert.ok(problems.length > 0, `events ${lostInside.slice(0, 5).join(',')}… lost without a problem reported`);
  for (const p of problems) assert.ok(typeof p.reason === 'string' && p.reason !== '' && p.bytes >= 0 && p.offset >= 0, 'a problem says what and where');
  if (c.kind === 'valid') {
    assert.is(got.length, log.events.size);
    assert.equal(problems, []);
  }
  // Sometimes: in chunks, the same events.
  if (r.chance(0.3)) {
    const chunked: number[] = [];
    const c2 = new LogCursor(DIR, { fs, onProblem: () => {} });
    const max2 = 1 + r.int(7);
    for (let b = c2.poll(max2); b.length > 0; b = c2.poll(max2)) chunked.push(...b.map((e) => e.seq));
    assert.equal(chunked, seen, 'reading in chunks gives the same events');
  }
  // verify reads the same log without throwing, and agrees.
  const report = verifyLog(DIR, fs);
  assert.is(report.events, got.length, 'verify counts what the cursor read');
  if (c.kind === 'valid') assert.ok(report.ok && report.tail === null, 'an intact log verifies clean');
  if (problems.some((p) => p.kind === 'corrupt')) assert.is(report.ok, false, 'corruption the cursor saw fails verify');
  // Sometimes: the writer opens it (repairing what it must) and appends after what it kept.
  if (r.chance(0.1)) {
    try {
      const w = LogWriter.open(DIR, { clock: fixedClock(), bootId: BOOT, fs });
      w.append([{ type: 'OperatorNote', data: { text: 'after fuzz' } }]);
      w.close();
    } catch (err) {
      if (!(err instanceof LogError)) throw new Error(`the writer threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    }
  }
  return got.length === log.events.size ? 'all read' : problems.length ? 'some lost, reported' : 'tail lost';
}

test(`log bytes: LogCursor and verifyLog on ${process.env.FUZZ_CASES ?? 10000} damaged logs`, () => {
  for (const l of LOGS) assert.ok(l.names.length >= 2, `a log of ${l.names.length} segments`);
  const stats = runFuzz<LogCase>({ name: 'log cursor', file: FILE, gen: genLog, check: checkLog });
  assertMix(stats, ['valid', 'mutated', 'random']);
});

test(`log bytes: ${CLI_CASES} damaged logs on disk through the CLI (verify, events, status)`, async () => {
  const lanes = Array.from({ length: CLI_JOBS }, () => tmpDir('ksu-fuzz-log-'));
  const commands = [['verify'], ['events'], ['status', '--json']];
  await runCliCases('log', FILE, CLI_CASES, async (r, index, lane) => {
    const c = genLog(r);
    const events = join(lanes[lane], 'var/lib/kubesolo/update/events');
    rmSync(join(lanes[lane], 'var'), { recursive: true, force: true });
    mkdirSync(events, { recursive: true });
    for (const name of c.log.names) writeFileSync(join(events, name), c.fs.files.get(join(DIR, name))!);
    const args = commands[index % commands.length];
    const res = await runCli(['--root', lanes[lane], ...args]);
    withInput(c.input, () => {
      assertCliOutcome(res, args[0], args[0] === 'verify' ? [0, 1] : [0]);
      if (args[0] === 'events') {
        const seqs = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).seq as number);
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'events in seq order');
      }
      if (args[0] === 'verify' && c.kind === 'valid') assert.is(res.code, 0, res.stderr);
    });
  });
});

test.run();
