/**
 * Log benchmarks (issue: durable log): a durable one-event append against a raw write+fdatasync
 * of the same bytes, and a cold replay of 1,000,000 events against a CRC-only scan of the same
 * segments. Baselines run in the same process, interleaved, so machine drift cancels out.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LogCursor } from '../../events/cursor.js';
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
  return [
    row('durable append p50 (1 event) vs raw write+fdatasync', percentile(ours, 50) * 1000, 'µs', percentile(raw, 50) * 1000, 'ratio <= 1.5'),
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

export function replayBench(dir: string, total: number): BenchRow[] {
  const eventsDir = join(dir, 'events');
  const segments = listSegments(nodeFs, eventsDir);
  // Baseline: read every segment and check every frame's CRC, decoding nothing.
  const cold = dropCaches();
  const t0 = now();
  let frames = 0;
  for (const s of segments) {
    for (const item of scanFrames(bufferSource(readFileSync(s.path)), HEADER_SIZE)) if (item.kind === 'frame') frames++;
  }
  const scanMs = now() - t0;
  dropCaches();
  const t1 = now();
  const cursor = new LogCursor(eventsDir);
  let events = 0;
  for (let n = cursor.poll(4096).length; n > 0; n = cursor.poll(4096).length) events += n;
  const replayMs = now() - t1;
  if (events !== total) throw new Error(`replayed ${events} events, expected ${total}`);
  // What decoding alone costs: every payload through msgpackr, already in memory, nothing else.
  const payloads: Array<[Buffer, number, number]> = [];
  for (const s of segments) {
    const buf = readFileSync(s.path);
    for (const item of scanFrames(bufferSource(buf), HEADER_SIZE)) if (item.kind === 'frame') payloads.push([item.buf, item.at + FRAME_OVERHEAD, item.at + item.bytes]);
  }
  const t2 = now();
  for (const [buf, start, end] of payloads) decodePayload(buf, start, end);
  const decodeMs = now() - t2;
  const rate = (n: number, ms: number) => (n / ms) * 1000;
  return [
    row(`${cold ? 'cold' : 'warm'} replay of ${total.toLocaleString('en-US')} events (${frames.toLocaleString('en-US')} records) vs CRC-only scan`,
      rate(events, replayMs), 'events/s', rate(events, scanMs), 'value >= 1000000'),
    row('replay vs MessagePack decoding alone (payloads in memory)', rate(events, replayMs), 'events/s', rate(events, decodeMs), 'info'),
  ];
}
