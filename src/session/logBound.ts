/**
 * `--at` / `--until TIME|SEQ`: a point in the log to look back at. A SEQ is a whole number; a
 * TIME is an ISO-8601 date-time with its zone (2026-12-01T10:20:30.123Z, or +02:00): without
 * a zone it would mean the reader's local time, which differs from node to node. A SEQ past
 * the end of the log is a usage error naming the last seq; a TIME before the first event is
 * the empty node (nothing had been recorded then), which is an answer, not an error.
 */
import type { LogBound } from '../../projections/bound.js';
import { parseIsoTime } from '../../projections/isoTime.js';
import { usage } from '../errors.js';
import { lastSeqOf } from '../persist/loadUntil.js';

/** Parses the flag's value; undefined when the flag was not given. */
export function parseBound(flag: string, raw: unknown): LogBound | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (/^\d{1,15}$/.test(text)) return { seq: Number(text) };
  const time = parseIsoTime(text);
  if (time !== null) return { time };
  throw usage(`--${flag} takes a seq number or an ISO-8601 time with its zone (like 2026-12-01T10:20:30.123Z), not ${JSON.stringify(text)}`);
}

/** Refuses a seq past the end of the log: there is no such moment yet, and saying so beats showing now. */
export function checkBound(flag: string, bound: LogBound | undefined, dataDir: string): void {
  if (!bound || !('seq' in bound)) return;
  const last = lastSeqOf(dataDir);
  if (bound.seq > last) throw usage(`--${flag} ${bound.seq} is past the end of the log: its last event is seq ${last}`);
}
