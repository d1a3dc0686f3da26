/**
 * Reads the log forward from a position, one poll at a time: the single reading path behind
 * `read`, `replay$`, `follow$` and `verify`. Takes no lock and never writes.
 *
 * Invariant: a record is delivered at most once and in seq order; a torn tail in the newest
 * segment is left unconsumed (it may be a write in progress) until a newer segment exists.
 */
import { FRAME_OVERHEAD, HEADER_SIZE, decodePayload, framePrevIs, hashFrame, type RecordPayload } from './format.js';
import { nodeFs, type LogFs } from './logFs.js';
import { FrameScanner, frameOf } from './scan.js';
import { fileSource, listSegments, readHeader, type SegmentRef } from './segments.js';
import { parseSegmentName } from './format.js';
import { join } from 'node:path';
import type { Envelope, StoredEvent } from './types.js';
import { openError } from './errors.js';
import { CURRENT, upcast } from './upcast.js';

export interface LogProblem {
  segment: string;
  offset: number;
  bytes: number;
  reason: string;
  /**
   * `torn`: an incomplete record at the end of the newest segment (the next writer repairs it).
   * `lost`: a seq gap the record after it accounts for (it starts with `LogLost` for exactly that range).
   */
  kind: 'corrupt' | 'torn' | 'lost';
}

/** Where a reader stopped: enough to resume there and to prove the log still holds what it read. */
export interface LogPosition {
  /** Seq of the last event read (0: none). */
  seq: number;
  /** SHA-256 of the last record read, hex, and where that record starts. */
  head: string | null;
  headSegment: string | null;
  headOffset: number;
  /** The next byte to read. */
  segment: string | null;
  offset: number;
}

export interface CursorOptions {
  fromSeq?: number;
  /** Start reading at this position (from a checkpoint) instead of at the log's first segment. */
  start?: LogPosition;
  /** Check the SHA-256 chain between adjacent records (what `verify` does). */
  chain?: boolean;
  fs?: LogFs;
  onProblem?: (p: LogProblem) => void;
  onRecord?: (r: { segment: string; offset: number; frameBytes: number; payload: RecordPayload }) => void;
}

export class LogCursor {
  private readonly fs: LogFs;
  private readonly fromSeq: number;
  private segment: SegmentRef | null = null;
  private offset = 0;
  private expectSeq: number | null = null;
  private prevHash: Buffer | null = null;
  /** True while the last thing read was a valid record, so a chain mismatch means tampering. */
  private adjacent = false;
  private pendingTail: LogProblem | null = null;
  private readonly reported = new Set<string>();
  private limit = Infinity;
  /** The last record's bytes; hashed only when asked, so plain replay pays no SHA-256 per record. */
  private lastFrame: { buf: Buffer; at: number; bytes: number } | null = null;
  // Two fields, not an object: replay sets them once per record.
  private headSegment: string | null = null;
  private headOffset = 0;

  constructor(private readonly dir: string, private readonly opts: CursorOptions = {}) {
    this.fs = opts.fs ?? nodeFs;
    this.fromSeq = Math.max(1, opts.fromSeq ?? 1);
    const start = opts.start;
    if (start?.segment && start.seq > 0) {
      const baseSeq = parseSegmentName(start.segment);
      if (baseSeq !== null) {
        this.segment = { name: start.segment, baseSeq, path: join(dir, start.segment) };
        this.offset = start.offset;
        this.expectSeq = start.seq + 1;
        this.startHead = start.head;
        this.headSegment = start.headSegment;
        this.headOffset = start.headSegment ? start.headOffset : 0;
      }
    }
  }

  private startHead: string | null = null;

  /** Where this cursor stands now. */
  get position(): LogPosition {
    return {
      seq: this.lastSeq, head: this.head, headSegment: this.headSegment, headOffset: this.headOffset,
      segment: this.segment?.name ?? null, offset: this.offset,
    };
  }

  /** The seq of the last event read, or 0. */
  get lastSeq(): number { return this.expectSeq === null ? 0 : this.expectSeq - 1; }

  /** SHA-256 of the last record read (the log's head when fully read), hex; null before any record. */
  get head(): string | null { return this.lastFrame ? hashFrame(frameOf(this.lastFrame)).toString('hex') : this.startHead; }

  /** The torn tail seen at the end of the newest segment by the last poll, if any. */
  get tail(): LogProblem | null { return this.pendingTail; }

  /**
   * Reads the complete records available now and returns their events with seq ≥ fromSeq; stops
   * after the record that brings the count to `max`, so a caller can take a long log in chunks.
   */
  poll(max = Infinity): StoredEvent[] {
    const out: StoredEvent[] = [];
    let segments: SegmentRef[];
    try {
      segments = listSegments(this.fs, this.dir);
    } catch (err) {
      throw openError('cannot read the log in', this.dir, err, 'LOG_UNREADABLE');
    }
    if (segments.length === 0) return out;
    if (this.segment === null) {
      const start = [...segments].reverse().find((s) => s.baseSeq <= this.fromSeq) ?? segments[0];
      this.enter(start);
    }
    for (;;) {
      const cur = this.segment!;
      const exists = segments.some((s) => s.name === cur.name);
      const next = segments.find((s) => s.baseSeq > cur.baseSeq);
      // A segment holds seqs from its base up to the next segment's base; the names are the order.
      this.limit = next ? next.baseSeq : Infinity;
      if (!this.readSegment(cur, out, exists, max)) break;
      if (!next) break;
      if (this.pendingTail) {
        this.report({ ...this.pendingTail, kind: 'corrupt', reason: `${this.pendingTail.reason} (segment is sealed)` });
        this.pendingTail = null;
      }
      this.enter(next);
    }
    return out;
  }

  private enter(seg: SegmentRef): void {
    this.segment = seg;
    this.offset = 0;
    this.pendingTail = null;
  }

  private report(p: LogProblem): void {
    this.adjacent = false;
    // A follower polls the same unreadable spot again and again: say it once.
    const key = `${p.segment}@${p.offset}:${p.reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.opts.onProblem?.(p);
  }

  /** Returns false when it stopped early because `out` reached `max`. */
  private readSegment(seg: SegmentRef, out: StoredEvent[], exists: boolean, max: number): boolean {
    if (!exists) {
      this.report({ segment: seg.name, offset: this.offset, bytes: 0, reason: 'segment vanished while reading', kind: 'corrupt' });
      return true;
    }
    let fd: number;
    try {
      fd = this.fs.openSync(seg.path, 'r');
    } catch (err) {
      this.report({ segment: seg.name, offset: 0, bytes: 0, reason: `cannot open segment: ${(err as Error).message}`, kind: 'corrupt' });
      return true;
    }
    try {
      return this.scanSegment(seg, fd, out, max);
    } catch (err) {
      // An unreadable segment (EIO, or not a file at all) is reported like damage; reading goes on.
      this.report({ segment: seg.name, offset: this.offset, bytes: 0, reason: `cannot read segment: ${(err as Error).message}`, kind: 'corrupt' });
      return true;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  private scanSegment(seg: SegmentRef, fd: number, out: StoredEvent[], max: number): boolean {
    const src = fileSource(this.fs, fd);
    if (this.offset === 0) {
      if (!this.checkHeader(seg, src)) return true;
      this.offset = HEADER_SIZE;
    }
    this.pendingTail = null;
    const scanner = new FrameScanner(src, this.offset);
    for (let item = scanner.next(); item; item = scanner.next()) {
      if (item.kind === 'tail') {
        this.pendingTail = { segment: seg.name, offset: item.offset, bytes: item.bytes, reason: item.reason, kind: 'torn' };
        return true;
      }
      if (item.kind === 'skip') {
        this.report({ segment: seg.name, offset: item.offset, bytes: item.bytes, reason: item.reason, kind: 'corrupt' });
      } else {
        this.takeFrame(seg, item, out);
      }
      this.offset = item.offset + item.bytes;
      if (out.length >= max) return false;
    }
    return true;
  }

  private checkHeader(seg: SegmentRef, src: ReturnType<typeof fileSource>): boolean {
    const h = readHeader(src);
    if ('error' in h && src.size < HEADER_SIZE) {
      // A header not all there: a segment being made, or one a crash cut as it was made. In the
      // newest segment that is a torn tail, which the next writer repairs (writer.ts reads it the
      // same way); poll calls it corruption once a later segment seals it.
      this.pendingTail = { segment: seg.name, offset: 0, bytes: src.size, reason: h.error, kind: 'torn' };
      return false;
    }
    if ('error' in h) {
      this.report({ segment: seg.name, offset: 0, bytes: HEADER_SIZE, reason: h.error, kind: 'corrupt' });
      return true;
    }
    if (h.baseSeq !== seg.baseSeq) {
      this.report({ segment: seg.name, offset: 0, bytes: HEADER_SIZE, reason: `segment header says base seq ${h.baseSeq}`, kind: 'corrupt' });
    } else if (this.opts.chain && this.prevHash && this.adjacent && !h.prevHash.equals(this.prevHash)) {
      this.report({ segment: seg.name, offset: 0, bytes: HEADER_SIZE, reason: 'segment header does not chain to the previous segment', kind: 'corrupt' });
    }
    if (this.prevHash === null && this.opts.chain) this.prevHash = h.prevHash;
    return true;
  }

  private takeFrame(seg: SegmentRef, item: { offset: number; bytes: number; buf: Buffer; at: number }, out: StoredEvent[]): void {
    const { offset, bytes } = item;
    const p = decodePayload(item.buf, item.at + FRAME_OVERHEAD, item.at + bytes);
    if ('error' in p) {
      this.report({ segment: seg.name, offset, bytes, reason: p.error, kind: 'corrupt' });
      return;
    }
    const count = p.events.length;
    if (p.seq < seg.baseSeq || p.seq + count > this.limit) {
      const range = this.limit === Infinity ? `${seg.baseSeq} and up` : `${seg.baseSeq}..${this.limit - 1}`;
      this.report({ segment: seg.name, offset, bytes, reason: `seq ${p.seq} does not belong in this segment (${range})`, kind: 'corrupt' });
      return;
    }
    if (this.expectSeq !== null && p.seq !== this.expectSeq) {
      if (p.seq < this.expectSeq) {
        this.report({ segment: seg.name, offset, bytes, reason: `seq ${p.seq} out of order (expected ${this.expectSeq})`, kind: 'corrupt' });
        return;
      }
      const range = `${this.expectSeq}..${p.seq - 1}`;
      if (recordsLoss(p.events[0], this.expectSeq, p.seq - 1)) {
        this.report({ segment: seg.name, offset, bytes: 0, reason: `events ${range} lost, recorded by the LogLost event at seq ${p.seq}`, kind: 'lost' });
      } else {
        this.report({ segment: seg.name, offset, bytes: 0, reason: `seq gap: events ${range} missing`, kind: 'corrupt' });
      }
    }
    if (this.opts.chain && this.adjacent && this.prevHash && !framePrevIs(item.buf, item.at, this.prevHash)) {
      this.report({ segment: seg.name, offset, bytes, reason: `hash chain broken: record at seq ${p.seq} does not follow the record before it`, kind: 'corrupt' });
    }
    this.lastFrame = item;
    this.headSegment = seg.name;
    this.headOffset = offset;
    if (this.opts.chain) this.prevHash = hashFrame(frameOf(item));
    this.adjacent = true;
    this.expectSeq = p.seq + count;
    this.opts.onRecord?.({ segment: seg.name, offset, frameBytes: bytes, payload: p });
    if (p.seq + count <= this.fromSeq) return;
    for (let i = 0; i < count; i++) {
      const seq = p.seq + i;
      if (seq < this.fromSeq) continue;
      // The decoded map becomes the envelope: no second object per event on the replay path.
      const env = p.events[i] as unknown as Envelope<string, Record<string, unknown>>;
      env.seq = seq;
      env.at = p.at;
      env.boot = p.boot;
      out.push(CURRENT.get(env.type) === env.v ? (env as StoredEvent) : upcast(env));
    }
  }
}

/** The first event of a record that explains the gap before it: LogLost for exactly that range. */
function recordsLoss(first: { type?: unknown; data?: unknown } | undefined, from: number, to: number): boolean {
  const d = first?.data as { from?: unknown; to?: unknown } | undefined;
  return first?.type === 'LogLost' && d?.from === from && d?.to === to;
}
