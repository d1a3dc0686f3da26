/**
 * Finds the frames of one segment's byte range. Knows framing only (marker, length, CRC), never
 * payloads or seqs; callers decide what a finding means (LevelDB's reporter split).
 *
 * Guarantees, for any bytes whatsoever: no throw, memory bounded by the read window plus one
 * frame (MAX_PAYLOAD caps every length before anything is allocated), and time bounded by the
 * resync budget, so a hostile file full of forged markers cannot make a reader hang.
 */
import { FRAME_MARKER, FRAME_OVERHEAD, MAX_PAYLOAD, frameCrc } from './format.js';

/** Random access to a segment's bytes. `read` may return fewer bytes only at the end of the source. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
}

export type ScanItem =
  /** A frame whose CRC matched: `buf[at, at + bytes)` holds it (no view is made per frame). */
  | { kind: 'frame'; offset: number; bytes: number; buf: Buffer; at: number }
  /** Invalid bytes with a valid frame after them: corruption in the middle. */
  | { kind: 'skip'; offset: number; bytes: number; reason: string }
  /** Invalid bytes that run to the end: a torn tail (or, in a sealed segment, corruption). */
  | { kind: 'tail'; offset: number; bytes: number; reason: string };

// Windows start small (a poll of a live log reads little) and double up to the maximum (a replay reads a lot).
const FIRST_WINDOW = 64 * 1024;
const WINDOW = 4 * 1024 * 1024;

/** The bytes of a scanned frame, as a view. */
export function frameOf(item: { buf: Buffer; at: number; bytes: number }): Buffer {
  return item.buf.subarray(item.at, item.at + item.bytes);
}

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (offset, length) => buf.subarray(offset, offset + length) };
}

/** Caches one window of the source so that frames are checked in place, not read one by one. */
class Windowed {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  private window = FIRST_WINDOW;
  constructor(private readonly src: ByteSource) {}

  get size(): number { return this.src.size; }

  /**
   * Makes `[offset, offset + len)` available in `buf` (fewer bytes when the source ends first);
   * returns how many are.
   */
  ensure(offset: number, len: number): number {
    const end = Math.min(offset + len, this.src.size);
    if (offset < this.start || end > this.start + this.buf.length) {
      const want = Math.min(Math.max(len, this.window), this.src.size - offset);
      this.buf = this.src.read(offset, want);
      this.start = offset;
      this.window = Math.min(WINDOW, this.window * 2);
    }
    return Math.max(0, Math.min(end, this.start + this.buf.length) - offset);
  }

  /** The offset of the next frame marker at or after `from`, or -1. */
  nextMarker(from: number): number {
    for (let at = from; at < this.src.size; ) {
      const got = this.ensure(at, WINDOW);
      if (got === 0) return -1;
      const rel = at - this.start;
      const i = this.buf.subarray(rel, rel + got).indexOf(FRAME_MARKER);
      if (i >= 0) return at + i;
      if (at + got >= this.src.size) return -1;
      at += Math.max(1, got - (FRAME_MARKER.length - 1));
    }
    return -1;
  }
}

const MARKER = FRAME_MARKER.readUInt32LE(0);

// checkFrameAt returns a payload length (> 0) for a valid frame, else minus an index into this.
const REASONS = ['', 'truncated frame header', 'bad sync marker', 'bad record length', 'record runs past end of segment', 'checksum mismatch'];
const CHECKSUM_MISMATCH = -5;

function checkFrameAt(w: Windowed, offset: number): number {
  if (w.ensure(offset, FRAME_OVERHEAD) < FRAME_OVERHEAD) return -1;
  let rel = offset - w.start;
  if (w.buf.readUInt32LE(rel) !== MARKER) return -2;
  const length = w.buf.readUInt32LE(rel + 8);
  if (length === 0 || length > MAX_PAYLOAD) return -3;
  if (offset + FRAME_OVERHEAD + length > w.size) return -4;
  if (w.ensure(offset, FRAME_OVERHEAD + length) < FRAME_OVERHEAD + length) return -4;
  rel = offset - w.start;
  if (w.buf.readUInt32LE(rel + 4) !== frameCrc(w.buf, rel, length)) return CHECKSUM_MISMATCH;
  return length;
}

/**
 * Scans frames from `start` (a frame boundary) to the end of `src`, one item per `next()`. After
 * an invalid frame it resyncs at the next marker that starts a CRC-valid frame. (A plain iterator,
 * not a generator: replay calls `next` once per record.)
 */
export class FrameScanner {
  private readonly w: Windowed;
  private at: number;
  private done = false;
  // Forged markers each cost one CRC; the budget keeps the whole scan linear in the file size.
  private budget: number;

  constructor(src: ByteSource, start: number) {
    this.w = new Windowed(src);
    this.at = start;
    this.budget = Math.max(64 * 1024 * 1024, 4 * src.size);
  }

  next(): ScanItem | null {
    const w = this.w;
    const at = this.at;
    if (this.done || at >= w.size) return null;
    const c = checkFrameAt(w, at);
    if (c > 0) {
      this.at = at + FRAME_OVERHEAD + c;
      return { kind: 'frame', offset: at, bytes: FRAME_OVERHEAD + c, buf: w.buf, at: at - w.start };
    }
    const reason = REASONS[-c];
    for (let m = w.nextMarker(at + 1); m >= 0; m = w.nextMarker(m + 1)) {
      const cand = checkFrameAt(w, m);
      if (cand > 0) {
        this.at = m;
        return { kind: 'skip', offset: at, bytes: m - at, reason };
      }
      if (cand === CHECKSUM_MISMATCH) this.budget -= w.buf.readUInt32LE(m - w.start + 8);
      if (this.budget < 0) {
        this.done = true;
        return { kind: 'tail', offset: at, bytes: w.size - at, reason: `${reason} (resync gave up)` };
      }
    }
    this.done = true;
    return { kind: 'tail', offset: at, bytes: w.size - at, reason };
  }
}

export function* scanFrames(src: ByteSource, start: number): Generator<ScanItem> {
  const s = new FrameScanner(src, start);
  for (let item = s.next(); item; item = s.next()) yield item;
}
