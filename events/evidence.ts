/**
 * What the log vouched for before this open, and whether it still holds it. A log behind its own
 * evidence has lost acknowledged events; that is never a torn tail (a torn tail was never
 * acknowledged, so no evidence can name it). The writer records what this finds as `LogLost`.
 */
import { LogCursor, type LogPosition } from './cursor.js';
import type { LogFs } from './logFs.js';
import { confirmPosition } from './position.js';

export interface Evidence {
  /** The last record the evidence saw: its seq, and (when known) its hash and where it was. */
  position: LogPosition;
  /** Where the evidence came from, for the event and the operator ("checkpoint /path", "segment name …"). */
  source: string;
  /** What the evidence still knows beyond the position, carried into the LogLost event. */
  carried?: Record<string, unknown>;
}

export interface Loss {
  from: number;
  to: number;
  lostHead: string | null;
  evidence: Evidence;
  reason: string;
  /** The log ends before `to`: appending goes on at `to + 1`, so no seq is used twice. */
  behind: boolean;
}

/** A position that only vouches for a seq (no hash, no place): what a segment's name proves. */
export function seqOnly(seq: number): LogPosition {
  return { seq, head: null, headSegment: null, headOffset: 0, segment: null, offset: 0 };
}

/**
 * The loss `ev` proves, given the seq the recovered log ends at. Behind: the log ends early. Replaced:
 * the log reaches the seq but the record there is not the one the evidence hashed.
 */
export function lossAgainst(dir: string, fs: LogFs, lastSeq: number, ev: Evidence): Loss | null {
  const seq = ev.position.seq;
  if (seq <= 0) return null;
  const loss = unrecordedLoss(dir, fs, lastSeq, ev);
  // The evidence outlives the loss it proves until the next writer rewrites it (a writer killed
  // right after recording LogLost leaves the old checkpoint): the same loss is never recorded twice.
  return loss && !lossRecorded(dir, fs, loss) ? loss : null;
}

function unrecordedLoss(dir: string, fs: LogFs, lastSeq: number, ev: Evidence): Loss | null {
  const seq = ev.position.seq;
  if (lastSeq < seq) {
    return {
      from: lastSeq + 1, to: seq, lostHead: ev.position.head, evidence: ev, behind: true,
      reason: `the log ends at seq ${lastSeq}, but ${ev.source} recorded seq ${seq}`,
    };
  }
  if (ev.position.head === null || confirmPosition(dir, ev.position, fs)) return null;
  return {
    from: seq, to: seq, lostHead: ev.position.head, evidence: ev, behind: false,
    reason: `the record at seq ${seq} is not the one ${ev.source} recorded (edited or replaced)`,
  };
}

/** The loss with the most evidence behind it: the furthest behind, else a replaced record. */
export function worstLoss(losses: Array<Loss | null>): Loss | null {
  let worst: Loss | null = null;
  for (const l of losses) {
    if (!l) continue;
    if (!worst || (l.behind && (!worst.behind || l.to > worst.to))) worst = l;
  }
  return worst;
}

/** Whether the log already holds LogLost for this range and head. Reads the whole log: only ever asked when a loss was found. */
export function lossRecorded(dir: string, fs: LogFs, l: Pick<Loss, 'to' | 'lostHead'>): boolean {
  const cursor = new LogCursor(dir, { fs });
  for (let batch = cursor.poll(4096); batch.length > 0; batch = cursor.poll(4096)) {
    for (const e of batch) {
      if (e.type !== 'LogLost' || 'foreign' in e) continue;
      if (e.data.to === l.to && e.data.lostHead === l.lostHead) return true;
    }
  }
  return false;
}
