/**
 * The only copy of the on-disk layout of the event log. The byte grammar, with a worked example,
 * is in events/FORMAT.md; keep the two in step.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr/pack';

/** "\x89KSULOG\n": the high byte catches 7-bit mangling, the newline catches text-mode rewriting. */
export const SEGMENT_MAGIC = Buffer.from([0x89, 0x4b, 0x53, 0x55, 0x4c, 0x4f, 0x47, 0x0a]);
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 64;
/** 0xC1 is the one byte MessagePack never uses as a type, so the marker rarely occurs inside payloads. */
export const FRAME_MARKER = Buffer.from([0xc1, 0x4b, 0x53, 0x55]);
/** marker, CRC, length, previous record's hash: everything before the payload. */
export const FRAME_OVERHEAD = 44;
/** Largest payload a reader will allocate for; anything claiming more is damage, not data. */
export const MAX_PAYLOAD = 1024 * 1024;
export const HASH_SIZE = 32;
export const ZERO_HASH = Buffer.alloc(HASH_SIZE);
export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;

export const SEGMENT_SUFFIX = '.seg';

export function segmentName(baseSeq: number): string {
  return String(baseSeq).padStart(20, '0') + SEGMENT_SUFFIX;
}

/** Returns the base seq a segment file name stands for, or null when the name is not a segment's. */
export function parseSegmentName(name: string): number | null {
  const m = /^(\d{20})\.seg$/.exec(name);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

export interface SegmentHeader { baseSeq: number; prevHash: Buffer; flags: number }

export function encodeHeader(h: { baseSeq: number; prevHash: Buffer }): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b.writeUInt16LE(HEADER_SIZE, 10);
  b.writeUInt32LE(0, 12);
  b.writeBigUInt64LE(BigInt(h.baseSeq), 16);
  h.prevHash.copy(b, 24, 0, HASH_SIZE);
  b.writeUInt32LE(crc32(b.subarray(0, 60)), 60);
  return b;
}

/** Decodes a segment header; returns a fixed reason string when it is not one we can trust. */
export function decodeHeader(b: Buffer): SegmentHeader | { error: string } {
  if (b.length < HEADER_SIZE) return { error: 'truncated segment header' };
  if (!b.subarray(0, 8).equals(SEGMENT_MAGIC)) return { error: 'bad segment magic' };
  if (b.readUInt32LE(60) !== crc32(b.subarray(0, 60))) return { error: 'segment header checksum mismatch' };
  const version = b.readUInt16LE(8);
  if (version !== FORMAT_VERSION || b.readUInt16LE(10) !== HEADER_SIZE) return { error: `unsupported segment format ${version}` };
  const flags = b.readUInt32LE(12);
  if (flags !== 0) return { error: `unknown segment flags 0x${flags.toString(16)}` };
  const base = b.readBigUInt64LE(16);
  if (base < 1n || base > BigInt(Number.MAX_SAFE_INTEGER)) return { error: 'bad base seq in segment header' };
  return { baseSeq: Number(base), prevHash: Buffer.from(b.subarray(24, 56)), flags };
}

/** A record's payload as stored: one append = one record = one or more events. */
export interface RecordPayload {
  seq: number;
  at: number;
  boot: string;
  events: Array<{ type: string; v: number; attempt?: string; data: Record<string, unknown> }>;
}

// Plain maps only: no record structures shared between records, so any MessagePack library can read one record alone.
const packr = new Packr({
  useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number',
  skipValues: [undefined], // as JSON.stringify does; missing from msgpackr's typings
} as ConstructorParameters<typeof Packr>[0]);

export function encodePayload(p: RecordPayload): Buffer {
  return Buffer.from(packr.pack(p));
}

/**
 * Builds a whole frame: marker, CRC-32, payload length, SHA-256 of the previous frame, payload.
 * The hash is raw bytes outside the payload so that replay never decodes it; only verify reads it.
 */
export function encodeFrame(payload: Buffer, prev: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_OVERHEAD + payload.length);
  FRAME_MARKER.copy(frame, 0);
  frame.writeUInt32LE(payload.length, 8);
  prev.copy(frame, 12, 0, HASH_SIZE);
  payload.copy(frame, FRAME_OVERHEAD);
  frame.writeUInt32LE(frameCrc(frame, 0, payload.length), 4);
  return frame;
}

/** Whether the frame at `at` in `buf` names `hash` as its predecessor. */
export function framePrevIs(buf: Buffer, at: number, hash: Buffer): boolean {
  return buf.compare(hash, 0, HASH_SIZE, at + 12, at + 12 + HASH_SIZE) === 0;
}

/**
 * CRC-32 of the frame at `at` in `buf`, over length, previous hash and payload. The CRC sits
 * before them so that what it covers is one contiguous range: one native call per record.
 */
export function frameCrc(buf: Buffer, at: number, payloadLength: number): number {
  return crc32(buf.subarray(at + 8, at + FRAME_OVERHEAD + payloadLength));
}

export function hashFrame(frame: Buffer): Buffer {
  return createHash('sha256').update(frame).digest();
}

/** A MessagePack map as msgpackr returns it (arrays, binaries and prototype tricks are not). */
function isPlainMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && x.constructor === Object;
}

/**
 * Decodes and shape-checks a payload whose CRC already matched. Never throws: a payload that is
 * not a record of ours comes back as `{ error }` with a fixed reason.
 */
export function decodePayload(buf: Buffer, start = 0, end = buf.length): RecordPayload | { error: string } {
  let p: unknown;
  try {
    // start/end rather than a subarray: msgpackr caches its DataView on the buffer it is given.
    p = packr.unpack(buf, { start, end });
  } catch {
    return { error: 'undecodable payload' };
  }
  if (!isPlainMap(p)) return { error: 'payload is not a map' };
  const { seq, at, boot, events } = p;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return { error: 'bad seq in payload' };
  if (typeof at !== 'number' || !Number.isFinite(at)) return { error: 'bad time in payload' };
  if (typeof boot !== 'string') return { error: 'bad boot id in payload' };
  if (!Array.isArray(events) || events.length === 0) return { error: 'bad event list in payload' };
  for (const e of events) {
    if (!isPlainMap(e) || typeof e.type !== 'string' || e.type === '' || typeof e.v !== 'number'
      || !Number.isSafeInteger(e.v) || e.v < 1 || !isPlainMap(e.data)
      || (e.attempt !== undefined && typeof e.attempt !== 'string')) {
      return { error: 'bad event in payload' };
    }
  }
  return { seq, at, boot, events: events as RecordPayload['events'] };
}
