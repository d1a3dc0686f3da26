/**
 * Log benchmarks (issue: durable log): a durable one-event append against a raw write+fdatasync
 * of the same bytes, and replaying 1,000,000 events through the public read path against a naive
 * loop (read each segment, check each record's CRC, decode its payload) and a CRC-only scan.
 * Baselines run in the same process, interleaved, so machine drift cancels out.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FRAME_OVERHEAD, HEADER_SIZE, ZERO_HASH, decodePayload, encodeFrame, encodePayload } from '../../events/format.js';
import { EventLog } from '../../events/log.js';
import { nodeFs } from '../../events/logFs.js';
import { bufferSource, scanFrames } from '../../events/scan.js';
import { listSegments } from '../../events/segments.js';
import type { NewEvent } from '../../events/types.js';
import { LogWriter } from '../../events/writer.js';
import { percentile, row, type BenchRow } from './report.js';

const now = () => Number(process.hrtime.bigint()) / 1e6;

export async function appendBench(dir: string, iterations = 4000): Promise<BenchRow[]> {
  const log = await EventLog.open(join(dir, 'append'), { writer: true });
  const event: NewEvent[] = [{ type: 'OperatorNote', data: { text: 'benchmark note of a typical length' } }];
  const frame = encodeFrame(encodePayload({ seq: 1, at: Date.now(), boot: 'x'.repeat(36), events: [{ type: 'OperatorNote', v: 1, data: event[0].data as Record<string, unknown> }] }), ZERO_HASH);
  const rawFd = openSync(join(dir, 'raw.bin'), 'w');
  let pos = 0;
  const ours: number[] = [];
  const raw: number[] = [];
  // Alternate one of ours with one raw write+fdatasync, so both see the same disk and the same noise.
  for (let i = 0; i < iterations; i++) {
    let t = now();
    await log.append(event);
    ours.push(now() - t);
    t = now();
    writeSync(rawFd, frame, 0, frame.length, pos);
    fdatasyncSync(rawFd);
    raw.push(now() - t);
    pos += frame.length;
  }
  closeSync(rawFd);
  await log.close();
  ours.sort((a, b) => a - b);
  raw.sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [
    row(`durable append p50 (1 event) vs raw write+fdatasync, ${iterations} of each interleaved`, percentile(ours, 50) * 1000, 'µs', percentile(raw, 50) * 1000, 'ratio <= 1.5'),
    row('durable append mean (1 event) vs raw write+fdatasync', mean(ours) * 1000, 'µs', mean(raw) * 1000, 'ratio <= 1.5'),
    row('durable append p99 (1 event) vs raw write+fdatasync', percentile(ours, 99) * 1000, 'µs', percentile(raw, 99) * 1000, 'info'),
  ];
}

/** Writes `total` events in records of 1–3 (as the agent appends them), without fsync: generation only. */
export function generateLog(dir: string, total: number): void {
  const noSync = { ...nodeFs, fdatasyncSync: () => {} };
  const w = LogWriter.open(join(dir, 'events'), { clock: () => 1_764_000_000_000, bootId: 'bench-boot-0000', fs: noSync });
  let seq = 0;
  for (let i = 0; seq < total; i++) {
    const n = Math.min(1 + (i % 3), total - seq);
    const events: NewEvent[] = [];
    for (let k = 0; k < n; k++) {
      events.push(k === 0
        ? { type: 'DownloadProgress', attempt: '01JD5Z8Y3K2M4N6P8Q0R2S4T6V', data: { artifact: 'kubesolo-os.gz', bytes: i * 65536 } }
        : { type: 'OperatorNote', data: { text: `event ${seq + k}` } });
    }
    w.append(events);
    seq += n;
  }
  w.close();
}

/** Drops the page cache so "cold" means read from the disk; false where that is not allowed. */
function dropCaches(): boolean {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** The naive loop the public read path must keep up with: each segment read whole, each record's CRC checked and payload decoded. */
function naiveReplay(eventsDir: string): number {
  let events = 0;
  for (const s of listSegments(nodeFs, eventsDir)) {
    const buf = readFileSync(s.path);
    for (const item of scanFrames(bufferSource(buf), HEADER_SIZE)) {
      if (item.kind !== 'frame') continue;
      const p = decodePayload(item.buf, item.at + FRAME_OVERHEAD, item.at + item.bytes);
      if (!('error' in p)) events += p.events.length;
    }
  }
  return events;
}

async function readBatchesReplay(log: EventLog): Promise<number> {
  let events = 0;
  for await (const batch of log.readBatches()) events += batch.length;
  return events;
}

async function readReplay(log: EventLog): Promise<number> {
  let events = 0;
  for await (const _ of log.read()) events++;
  return events;
}

export async function replayBench(dir: string, total: number, rounds = 5): Promise<BenchRow[]> {
  const eventsDir = join(dir, 'events');
  const segments = listSegments(nodeFs, eventsDir);
  const log = await EventLog.open(dir, { writer: false });
  // Cold: the page cache dropped before each side, when this process may do that.
  const cold = dropCaches();
  let t = now();
  let frames = 0;
  for (const s of segments) {
    for (const item of scanFrames(bufferSource(readFileSync(s.path)), HEADER_SIZE)) if (item.kind === 'frame') frames++;
  }
  const scanMs = now() - t;
  dropCaches();
  t = now();
  if (await readBatchesReplay(log) !== total) throw new Error('readBatches did not replay every event');
  const coldMs = now() - t;
  // Warm, interleaved rounds (the order turned around every round): the naive loop, readBatches,
  // read; the median round of each, in wall time and in this process's CPU time (on a busy
  // machine the CPU time is what the code itself costs).
  const sides: Array<[string, () => Promise<number>]> = [
    ['naive', async () => naiveReplay(eventsDir)], ['batches', () => readBatchesReplay(log)], ['read', () => readReplay(log)],
  ];
  const ms: Record<string, number[]> = { naive: [], batches: [], read: [] };
  const cpu: Record<string, number[]> = { naive: [], batches: [], read: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of r % 2 === 0 ? sides : [...sides].reverse()) {
      t = now();
      const c = process.cpuUsage();
      const n = await run();
      const used = process.cpuUsage(c);
      ms[name].push(now() - t);
      cpu[name].push((used.user + used.system) / 1000);
      if (n !== total) throw new Error(`${name} replayed ${n} events, expected ${total}`);
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // What decoding alone costs: every payload through msgpackr, already in memory, nothing else.
  const payloads: Array<[Buffer, number, number]> = [];
  for (const s of segments) {
    const buf = readFileSync(s.path);
    for (const item of scanFrames(bufferSource(buf), HEADER_SIZE)) if (item.kind === 'frame') payloads.push([item.buf, item.at + FRAME_OVERHEAD, item.at + item.bytes]);
  }
  t = now();
  for (const [buf, start, end] of payloads) decodePayload(buf, start, end);
  const decodeMs = now() - t;
  const rate = (n: number, elapsed: number) => (n / elapsed) * 1000;
  const n = total.toLocaleString('en-US');
  return [
    row(`${cold ? 'cold' : 'warm'} replay of ${n} events (${frames.toLocaleString('en-US')} records), EventLog.readBatches vs CRC-only scan`,
      rate(total, coldMs), 'events/s', rate(total, scanMs), 'value >= 1000000'),
    row(`warm replay of ${n} events, EventLog.readBatches vs naive loop (CRC + decode), median of ${rounds} interleaved`,
      rate(total, median(ms.batches)), 'events/s', rate(total, median(ms.naive)), 'ratio >= 1'),
    row(`the same in CPU time: EventLog.readBatches vs naive loop`, rate(total, median(cpu.batches)), 'events/s of CPU', rate(total, median(cpu.naive)), 'info'),
    row(`warm replay of ${n} events, EventLog.read (one await per event) vs naive loop`, rate(total, median(ms.read)), 'events/s', rate(total, median(ms.naive)), 'info'),
    row('naive loop vs MessagePack decoding alone (payloads in memory)', rate(total, median(ms.naive)), 'events/s', rate(total, decodeMs), 'info'),
  ];
}
