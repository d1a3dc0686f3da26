/** `verify`: reads every record with the hash chain checked. Read-only; takes no lock. */
import { LogCursor, type LogProblem } from './cursor.js';
import type { LogFs } from './logFs.js';
import { segmentStats } from './segments.js';
import { nodeFs } from './logFs.js';

export interface VerifyReport {
  /**
   * No corruption anywhere. A torn tail awaiting repair is reported in `tail`, and a gap the log
   * accounts for with LogLost in `lost`; neither is corruption.
   */
  ok: boolean;
  segments: number;
  bytes: number;
  records: number;
  events: number;
  lastSeq: number;
  head: string | null;
  problems: LogProblem[];
  tail: LogProblem | null;
  lost: LogProblem[];
}

export function verifyLog(dir: string, fs: LogFs = nodeFs): VerifyReport {
  const problems: LogProblem[] = [];
  let records = 0;
  const lost: LogProblem[] = [];
  const cursor = new LogCursor(dir, { chain: true, fs, onProblem: (p) => (p.kind === 'lost' ? lost : problems).push(p), onRecord: () => { records++; } });
  let events = 0;
  for (let n = cursor.poll(65536).length; n > 0; n = cursor.poll(65536).length) events += n;
  const { segments, bytes } = segmentStats(fs, dir);
  return {
    ok: problems.length === 0, segments, bytes, records, events,
    lastSeq: cursor.lastSeq, head: cursor.head, problems, tail: cursor.tail, lost,
  };
}
