/** Deterministic logs to break: fixed clock, boot id and contents. */
import { LogCursor } from '../../events/cursor.js';
import type { LogFs } from '../../events/logFs.js';
import type { NewEvent, StoredEvent } from '../../events/types.js';
import { LogWriter } from '../../events/writer.js';

export const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
export const BOOT = '6a1f0c8e-2b7d-4c1e-9f3a-0d5e7b8c9a10';

export function fixedClock(start = T0, step = 1000): () => number {
  let t = start - step;
  return () => (t += step);
}

/** The i-th batch of a fixture: notes and attempt-scoped events of varying sizes. */
export function batch(i: number): NewEvent[] {
  if (i % 3 === 0) return [{ type: 'OperatorNote', data: { text: `note ${i} ${'x'.repeat(i % 17)}` } }];
  if (i % 3 === 1) {
    return [
      { type: 'DownloadProgress', attempt: `01ATTEMPT${i}`, data: { artifact: 'vmlinuz', bytes: i * 4096 } },
      { type: 'OperatorNote', data: { text: `pair ${i}` } },
    ];
  }
  return [{ type: 'UpdateChecked', data: { current: 'v1.0.0', latest: `v1.0.${i}`, available: true } }];
}

export function buildLog(fs: LogFs, dir: string, records: number, segmentBytes = 1 << 20): void {
  const w = LogWriter.open(dir, { clock: fixedClock(), bootId: BOOT, fs, segmentBytes });
  for (let i = 0; i < records; i++) w.append(batch(i));
  w.close();
}

export function readAll(fs: LogFs, dir: string, problems: unknown[] = []): StoredEvent[] {
  return new LogCursor(dir, { fs, onProblem: (p) => problems.push(p) }).poll();
}
