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
  /** A frame whose CRC matched; `frame` is a view valid until the scan advances. */
  | { kind: 'frame'; offset: number; frame: Buffer; payloadLength: number }
  /** Invalid bytes with a valid frame after them: corruption in the middle. */
  | { kind: 'skip'; offset: number; bytes: number; reason: string }
  /** Invalid bytes that run to the end: a torn tail (or, in a sealed segment, corruption). */
  | { kind: 'tail'; offset: number; bytes: number; reason: string };

const WINDOW = 4 * 1024 * 1024;

export function bufferSource(buf: Buffer): ByteSource {
  return { size: buf.length, read: (offset, length) => buf.subarray(offset, offset + length) };
}

/** Caches one window of the source so that frames are sliced, not read one by one. */
class Windowed {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  constructor(private readonly src: ByteSource) {}

  get size(): number { return this.src.size; }

  /** Exactly `len` bytes at `offset`, or fewer when the source ends first. */
  view(offset: number, len: number): Buffer {
    const end = Math.min(offset + len, this.src.size);
    if (offset < this.start || end > this.start + this.buf.length) {
      const want = Math.min(Math.max(len, WINDOW), this.src.size - offset);
      this.buf = this.src.read(offset, want);
      this.start = offset;
    }
    return this.buf.subarray(offset - this.start, end - this.start);
  }

  /** The offset of the next frame marker at or after `from`, or -1. */
  nextMarker(from: number): number {
    for (let at = from; at < this.src.size; ) {
      const chunk = this.view(at, WINDOW);
      if (chunk.length === 0) return -1;
      const i = chunk.indexOf(FRAME_MARKER);
      if (i >= 0) return at + i;
      if (at + chunk.length >= this.src.size) return -1;
      at += Math.max(1, chunk.length - (FRAME_MARKER.length - 1));
    }
    return -1;
  }
}

type Check = { ok: true; payloadLength: number } | { ok: false; reason: string; crcBytes: number };

function checkFrameAt(w: Windowed, offset: number): Check {
  const head = w.view(offset, FRAME_OVERHEAD);
  if (head.length < FRAME_OVERHEAD) return { ok: false, reason: 'truncated frame header', crcBytes: 0 };
  if (!head.subarray(0, 4).equals(FRAME_MARKER)) return { ok: false, reason: 'bad sync marker', crcBytes: 0 };
  const length = head.readUInt32LE(4);
  if (length === 0 || length > MAX_PAYLOAD) return { ok: false, reason: 'bad record length', crcBytes: 0 };
  if (offset + FRAME_OVERHEAD + length > w.size) return { ok: false, reason: 'record runs past end of segment', crcBytes: 0 };
  const frame = w.view(offset, FRAME_OVERHEAD + length);
  if (frame.readUInt32LE(8) !== frameCrc(frame, length)) return { ok: false, reason: 'checksum mismatch', crcBytes: length };
  return { ok: true, payloadLength: length };
}

/**
 * Scans frames from `start` (a frame boundary) to the end of `src`. After an invalid frame it
 * resyncs at the next marker that starts a CRC-valid frame.
 */
export function* scanFrames(src: ByteSource, start: number): Generator<ScanItem> {
  const w = new Windowed(src);
  // Forged markers each cost one CRC; the budget keeps the whole scan linear in the file size.
  let budget = Math.max(64 * 1024 * 1024, 4 * src.size);
  let at = start;
  while (at < w.size) {
    const c = checkFrameAt(w, at);
    if (c.ok) {
      yield { kind: 'frame', offset: at, frame: w.view(at, FRAME_OVERHEAD + c.payloadLength), payloadLength: c.payloadLength };
      at += FRAME_OVERHEAD + c.payloadLength;
      continue;
    }
    let next = -1;
    for (let m = w.nextMarker(at + 1); m >= 0; m = w.nextMarker(m + 1)) {
      const cand = checkFrameAt(w, m);
      if (cand.ok) { next = m; break; }
      budget -= cand.crcBytes;
      if (budget < 0) {
        yield { kind: 'tail', offset: at, bytes: w.size - at, reason: `${c.reason} (resync gave up)` };
        return;
      }
    }
    if (next < 0) {
      yield { kind: 'tail', offset: at, bytes: w.size - at, reason: c.reason };
      return;
    }
    yield { kind: 'skip', offset: at, bytes: next - at, reason: c.reason };
    at = next;
  }
}
