/**
 * The projections as they were at a point in the log (`status --at`, `history --until`): the
 * log's prefix folded from seq 1, never the checkpoint (it may lie past the point, and a fold
 * from the start is the one answer that cannot carry anything later in). Reads only.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LogCursor, type LogPosition, type LogProblem } from '../../events/cursor.js';
import { hashFrame } from '../../events/format.js';
import { nodeFs } from '../../events/logFs.js';
import { FrameScanner, frameOf } from '../../events/scan.js';
import { fileSource, listSegments } from '../../events/segments.js';
import type { StoredEvent } from '../../events/types.js';
import { foldUntil, type LogBound } from '../../projections/bound.js';
import type { Projections } from '../../projections/index.js';
import type { LogFacts } from '../../projections/statusView.js';

export interface LoadedUntil {
  projections: Projections;
  /** The last event folded (null: none lies at or before the point). */
  last: StoredEvent | null;
  /** Where the log ended at that point: seq, head and size as `status` showed them then. */
  position: LogPosition;
  log: LogFacts;
}

interface RecordAt { segment: string; offset: number; bytes: number; seq: number; count: number }

const EMPTY: LogPosition = { seq: 0, head: null, headSegment: null, headOffset: 0, segment: null, offset: 0 };

/** SHA-256 of the record at `offset` of a segment, hex; null when it cannot be read back. */
function recordHash(eventsDir: string, r: RecordAt): string | null {
  let fd: number;
  try { fd = nodeFs.openSync(join(eventsDir, r.segment), 'r'); } catch { return null; }
  try {
    const item = new FrameScanner(fileSource(nodeFs, fd), r.offset).next();
    return item?.kind === 'frame' ? hashFrame(frameOf(item)).toString('hex') : null;
  } finally {
    nodeFs.closeSync(fd);
  }
}

/** The size the log had when `r` was its newest record: every earlier segment, then this one up to r's end. */
function sizeAt(eventsDir: string, r: RecordAt): { segments: number; bytes: number } {
  let segments = 0;
  let bytes = 0;
  for (const s of listSegments(nodeFs, eventsDir)) {
    segments++;
    if (s.name === r.segment) return { segments, bytes: bytes + r.offset + r.bytes };
    try { bytes += statSync(s.path).size; } catch { /* vanished: counted as empty, as segmentStats does */ }
  }
  return { segments, bytes };
}

export function loadProjectionsUntil(dataDir: string, bound: LogBound, opts: { onProblem?: (p: LogProblem) => void } = {}): LoadedUntil {
  const eventsDir = join(dataDir, 'events');
  // The records of the last two polls: the last event folded is in one of them.
  let records: RecordAt[] = [];
  let previous: RecordAt[] = [];
  const cursor = new LogCursor(eventsDir, {
    onProblem: opts.onProblem,
    onRecord: (r) => { records.push({ segment: r.segment, offset: r.offset, bytes: r.frameBytes, seq: r.payload.seq, count: r.payload.events.length }); },
  });
  function* events(): Generator<StoredEvent> {
    for (;;) {
      previous = records;
      records = [];
      const batch = cursor.poll(4096);
      if (batch.length === 0) return;
      yield* batch;
    }
  }
  const { projections, last } = foldUntil(events(), bound);
  if (!last) return { projections, last, position: EMPTY, log: { seq: 0, head: null, segments: 0, bytes: 0, behind: null } };
  const rec = [...records, ...previous].find((r) => last.seq >= r.seq && last.seq < r.seq + r.count)!;
  const head = recordHash(eventsDir, rec);
  const position: LogPosition = { seq: last.seq, head, headSegment: rec.segment, headOffset: rec.offset, segment: rec.segment, offset: rec.offset + rec.bytes };
  return { projections, last, position, log: { seq: last.seq, head, ...sizeAt(eventsDir, rec), behind: null } };
}

/** The seq of the log's newest event, reading only its newest segment (0: an empty log). */
export function lastSeqOf(dataDir: string): number {
  const eventsDir = join(dataDir, 'events');
  const segments = listSegments(nodeFs, eventsDir);
  if (segments.length === 0) return 0;
  const cursor = new LogCursor(eventsDir, { fromSeq: Number.MAX_SAFE_INTEGER });
  cursor.poll();
  return Math.max(cursor.lastSeq, segments[segments.length - 1].baseSeq - 1);
}
