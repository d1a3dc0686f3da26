/**
 * The single appender of a log directory. Opening recovers the tail of the newest segment;
 * appending is one positional write of one frame and one fdatasync. Callers must hold the lock.
 *
 * Invariant: only the newest segment is ever written; every older one is sealed by the header of
 * its successor (base seq, previous hash).
 * Crash case: any I/O error stops this writer for good (fsyncgate: a retried fsync can succeed
 * without the data on disk), and the next writer's recovery decides what survived.
 */
import { dirname, join } from 'node:path';
import {
  DEFAULT_SEGMENT_BYTES, FRAME_OVERHEAD, HEADER_SIZE, MAX_PAYLOAD, ZERO_HASH, decodePayload, encodeFrame, encodeHeader,
  encodePayload, hashFrame, segmentName,
} from './format.js';
import { crashPoint } from './crashPoint.js';
import { lossAgainst, seqOnly, worstLoss, type Evidence } from './evidence.js';
import { confirmPosition } from './position.js';
import { LogError, openError } from './errors.js';
import { fsyncDir, nodeFs, type LogFs } from './logFs.js';
import { quarantineTail, reconcilePending, type Repair, type TornTail } from './repair.js';
import { frameOf, scanFrames, type ByteSource } from './scan.js';
import { fileSource, listSegments, readHeader, type SegmentRef } from './segments.js';
import { recordSyncFailure, resyncAfterFailure } from './syncFailure.js';
import { CURRENT_VERSION, isKnownType, type NewEvent } from './types.js';

export interface WriterOptions {
  clock: () => number;
  bootId: string;
  fs?: LogFs;
  segmentBytes?: number;
  /** Called before every append; throws to refuse it (the lock's owner check). */
  guard?: () => void;
  /** What the log vouched for before this open (the caller's checkpoint), read under the lock. */
  evidence?: () => Evidence | null;
}

export interface AppendResult { firstSeq: number; lastSeq: number }

interface TailState { nextSeq: number; lastHash: Buffer }

export class LogWriter {
  private fd = -1;
  private segment!: SegmentRef;
  private size = 0;
  private nextSeq = 1;
  private lastHash: Buffer = ZERO_HASH;
  private failure: LogError | null = null;
  private readonly fs: LogFs;
  private readonly segmentBytes: number;

  private constructor(private readonly dir: string, private readonly opts: WriterOptions) {
    this.fs = opts.fs ?? nodeFs;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  }

  /** Opens `dir` for appending: removes rotation leftovers, repairs a torn tail, records each repair. */
  static open(dir: string, opts: WriterOptions): LogWriter {
    const w = new LogWriter(dir, opts);
    try {
      w.recover();
    } catch (err) {
      w.closeFd();
      throw openError('cannot open the log in', dir, err, 'LOG_IO');
    }
    return w;
  }

  get lastSeq(): number { return this.nextSeq - 1; }
  get head(): string { return this.lastHash.toString('hex'); }

  /** Appends events as one record: all or none survive a crash. Returns only after fdatasync. */
  append(events: NewEvent[]): AppendResult {
    if (this.failure) throw this.failure;
    if (this.fd < 0) throw new LogError('LOG_CLOSED', 'the log is closed');
    if (events.length === 0) throw new LogError('BAD_EVENT', 'append needs at least one event');
    for (const e of events) {
      if (!isKnownType(e.type)) throw new LogError('BAD_EVENT', `unknown event type ${JSON.stringify(e.type)}`);
    }
    this.opts.guard?.();
    const payload = encodePayload({
      seq: this.nextSeq, at: this.opts.clock(), boot: this.opts.bootId,
      events: events.map((e) => ({ type: e.type, v: CURRENT_VERSION[e.type], attempt: e.attempt, data: e.data as Record<string, unknown> })),
    });
    if (payload.length > MAX_PAYLOAD) {
      throw new LogError('RECORD_TOO_LARGE', `record of ${payload.length} bytes exceeds the ${MAX_PAYLOAD}-byte cap`);
    }
    const frame = encodeFrame(payload, this.lastHash);
    if (this.size > HEADER_SIZE && this.size + frame.length > this.segmentBytes) this.rotate();
    crashPoint('log.torn-write', () => this.fs.writeSync(this.fd, frame, 0, frame.length >> 1, this.size));
    this.writeAt(frame, this.size);
    crashPoint('log.after-write');
    this.sync('fdatasync', () => this.fs.fdatasyncSync(this.fd));
    crashPoint('log.after-sync');
    const firstSeq = this.nextSeq;
    this.size += frame.length;
    this.lastHash = hashFrame(frame);
    this.nextSeq += events.length;
    return { firstSeq, lastSeq: this.nextSeq - 1 };
  }

  close(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd >= 0) {
      try { this.fs.closeSync(this.fd); } catch { /* closing cannot lose acknowledged data: it was synced */ }
      this.fd = -1;
    }
  }

  private fail(what: string, err: unknown): never {
    this.failure = new LogError('LOG_IO', `${what} failed on ${join(this.dir, this.segment.name)}: ${(err as Error).message}`, { cause: err });
    this.closeFd();
    recordSyncFailure(this.fs, this.dir, { segment: this.segment.name, durableSize: this.size });
    throw this.failure;
  }

  private sync(what: string, op: () => void): void {
    try { op(); } catch (err) { this.fail(what, err); }
  }

  private writeAt(buf: Buffer, position: number): void {
    let done = 0;
    try {
      while (done < buf.length) {
        const n = this.fs.writeSync(this.fd, buf, done, buf.length - done, position + done);
        if (n <= 0) throw new Error('short write');
        done += n;
      }
    } catch (err) {
      // Leave no partial frame behind if we can; either way this writer stops.
      try { this.fs.ftruncateSync(this.fd, position); } catch { /* recovery truncates it next time */ }
      this.fail('write', err);
    }
  }

  private recover(): void {
    const fresh = !this.exists(this.dir);
    this.fs.mkdirSync(join(this.dir, 'quarantine'), { recursive: true });
    if (fresh) {
      // A new log: its directory entries must survive a power cut too, not only its first segment.
      fsyncDir(this.fs, this.dir);
      fsyncDir(this.fs, dirname(this.dir));
    }
    for (const name of this.fs.readdirSync(this.dir)) {
      if (name.endsWith('.seg.tmp')) this.fs.unlinkSync(join(this.dir, name));
    }
    const resynced = resyncAfterFailure(this.fs, this.dir);
    const segments = listSegments(this.fs, this.dir);
    const repairs: Repair[] = [];
    const vouched: Evidence[] = [];
    const external = this.opts.evidence?.() ?? null;
    let start: TailState | null = segments.length === 0 ? { nextSeq: 1, lastHash: ZERO_HASH } : this.adoptLast(segments, repairs, vouched, external);
    const lastSeq = (start?.nextSeq ?? this.nextSeq) - 1;
    if (external) vouched.push(external);
    const loss = worstLoss(vouched.map((ev) => lossAgainst(this.dir, this.fs, lastSeq, ev)));
    // Appending goes on after the lost range, in a new segment, so no seq is ever used twice.
    if (loss?.behind) start = { nextSeq: loss.to + 1, lastHash: start?.lastHash ?? this.lastHash };
    if (start) this.createSegment(start);
    const pending = reconcilePending(this.fs, this.dir, this.segment, repairs);
    if (resynced) {
      pending.push({
        event: { segment: resynced.segment, droppedBytes: 0, reason: `an earlier fsync failed; ${resynced.bytes} bytes after the last durable record were written again and synced`, quarantined: '' },
        commit: () => {},
      });
    }
    if (loss) {
      const { from, to, lostHead, reason, evidence } = loss;
      this.append([{ type: 'LogLost', data: { from, to, lostHead, evidence: evidence.source, reason, ...(evidence.carried ? { carried: evidence.carried } : {}) } }]);
    }
    for (const r of [...repairs, ...pending]) {
      this.append([{ type: 'LogRepaired', data: r.event }]);
      r.commit();
    }
  }

  /**
   * Adopts the newest segment for appending, after cutting a torn tail off it; or, when no
   * trustworthy segment is left to append to, returns where a new one must start.
   */
  private adoptLast(segments: SegmentRef[], repairs: Repair[], vouched: Evidence[], evidence: Evidence | null): TailState | null {
    // Trailing segments with an untrustworthy header and nothing of ours in them are moved aside
    // (kept in quarantine), so that the newest segment is always one a reader can follow.
    for (;;) {
      const last = segments[segments.length - 1];
      const fd = this.fs.openSync(last.path, 'r+');
      const src = fileSource(this.fs, fd);
      const header = readHeader(src);
      const found = lastFrameOf(src, last.baseSeq, this.resumePoint(last, evidence));
      if (!('error' in header)) {
        if (found.tail) repairs.push(quarantineTail(this.fs, this.dir, last, { fd, ...found.tail }, this.opts.clock()));
        this.fd = fd;
        this.segment = last;
        this.size = found.tail ? found.tail.offset : src.size;
        const state = found.state ?? { nextSeq: header.baseSeq, lastHash: header.prevHash };
        this.nextSeq = state.nextSeq;
        this.lastHash = state.lastHash;
        return null;
      }
      this.fs.closeSync(fd);
      // Never append to a segment whose header we cannot trust: it stays as it is (readers
      // report it) and a new segment starts after its last record.
      if (found.state) return found.state;
      // A segment is only ever created after the record before its base was durable: its name
      // vouches for that seq even when nothing else of it is left.
      if (last.baseSeq > 1) vouched.push({ position: seqOnly(last.baseSeq - 1), source: `the name of segment ${last.name}` });
      repairs.push(quarantineTail(this.fs, this.dir, last, { fd: null, offset: 0, bytes: src.size, reason: header.error }, this.opts.clock()));
      segments = segments.slice(0, -1);
      if (segments.length === 0) return { nextSeq: last.baseSeq, lastHash: ZERO_HASH };
    }
  }

  /**
   * Where the scan for the last record may start instead of the segment's first record: after the
   * record the evidence ends at, when it is in this segment and still there, byte for byte (the
   * records before it cannot change where appending continues). Saves decoding a whole segment
   * at every open.
   */
  private resumePoint(seg: SegmentRef, ev: Evidence | null): ResumePoint | null {
    const p = ev?.position;
    if (!p || p.seq <= 0 || !p.head || p.segment !== seg.name || p.headSegment !== seg.name) return null;
    if (!confirmPosition(this.dir, p, this.fs)) return null;
    return { offset: p.offset, state: { nextSeq: p.seq + 1, lastHash: Buffer.from(p.head, 'hex') } };
  }

  private exists(path: string, kind: 'dir' | 'file' = 'dir'): boolean {
    if (kind === 'file') {
      try { this.fs.closeSync(this.fs.openSync(path, 'r')); return true; } catch { return false; }
    }
    try { this.fs.readdirSync(path); return true; } catch { return false; }
  }

  /** Starts a segment: header to a tmp file, fsync, rename, fsync the directory. */
  private createSegment(state: TailState): void {
    const seg: SegmentRef = { name: segmentName(state.nextSeq), baseSeq: state.nextSeq, path: join(this.dir, segmentName(state.nextSeq)) };
    const tmp = `${seg.path}.tmp`;
    const fd = this.fs.openSync(tmp, 'w');
    try {
      const header = encodeHeader({ baseSeq: state.nextSeq, prevHash: state.lastHash });
      this.fs.writeSync(fd, header, 0, header.length, 0);
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
    crashPoint('log.rotate.after-tmp');
    if (this.exists(seg.path, 'file')) throw new Error(`segment ${seg.name} already exists; refusing to replace it`);
    this.fs.renameSync(tmp, seg.path);
    crashPoint('log.rotate.after-rename');
    fsyncDir(this.fs, this.dir);
    this.closeFd();
    this.fd = this.fs.openSync(seg.path, 'r+');
    this.segment = seg;
    this.size = HEADER_SIZE;
    this.nextSeq = state.nextSeq;
    this.lastHash = state.lastHash;
  }

  private rotate(): void {
    try {
      this.createSegment({ nextSeq: this.nextSeq, lastHash: this.lastHash });
    } catch (err) {
      this.fail('segment rotation', err);
    }
  }
}

/**
 * Where appending continues in a segment: after its last record a reader accepts, judged as the
 * reader judges (a decodable record whose seq is not below the next expected one; a duplicate or
 * older record copied in is skipped), starting from the segment's base seq. Also finds the torn
 * tail, if any. Decodes every record of the newest segment, once per open.
 */
function lastFrameOf(src: ByteSource, baseSeq: number, from: ResumePoint | null = null): { state: TailState | null; tail: TornTail | null } {
  if (src.size < HEADER_SIZE) {
    return { state: null, tail: src.size > 0 ? { offset: 0, bytes: src.size, reason: 'truncated segment header' } : null };
  }
  let expect = from ? from.state.nextSeq : baseSeq;
  let last: Buffer | null = null;
  let tail: TornTail | null = null;
  for (const item of scanFrames(src, from ? from.offset : HEADER_SIZE)) {
    if (item.kind === 'tail') tail = { offset: item.offset, bytes: item.bytes, reason: item.reason };
    if (item.kind !== 'frame') continue;
    const p = decodePayload(item.buf, item.at + FRAME_OVERHEAD, item.at + item.bytes);
    if ('error' in p || p.seq < expect) continue;
    expect = p.seq + p.events.length;
    last = frameOf(item);
  }
  return { state: last ? { nextSeq: expect, lastHash: hashFrame(last) } : from?.state ?? null, tail };
}

/** A confirmed record to scan on from: the byte after it, and the tail state it leaves. */
interface ResumePoint { offset: number; state: TailState }
