/**
 * The checkpoint: every projection at a log position, so start-up replays only the tail.
 *
 *   magic "KSUCKPT\n" (8) | u32 projection version | u32 payload length | u32 CRC-32 of payload | payload
 *
 * payload = MessagePack { position, projections }. Anything that does not check out (magic,
 * version, length, CRC, shape) decodes to null: the caller rebuilds from the log. Pure.
 */
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr/pack';
import type { LogPosition } from '../events/cursor.js';
import { PROJECTION_VERSION, type Projections } from './index.js';

const MAGIC = Buffer.from('KSUCKPT\n');
const HEAD = 20;
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number', skipValues: [undefined] } as ConstructorParameters<typeof Packr>[0]);

export interface Checkpoint { position: LogPosition; projections: Projections }

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const payload = Buffer.from(packr.pack(c));
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(PROJECTION_VERSION, 8);
  head.writeUInt32LE(payload.length, 12);
  head.writeUInt32LE(crc32(payload), 16);
  return Buffer.concat([head, payload]);
}

export function decodeCheckpoint(b: Buffer): Checkpoint | null {
  const c = decodeCheckpointAnyVersion(b);
  return c && c.version === PROJECTION_VERSION ? { position: c.position, projections: c.projections } : null;
}

/**
 * A checkpoint of any projection version whose bytes check out. Its position is evidence of what
 * the log held whatever the version; its projections are only this version's shape when
 * `version === PROJECTION_VERSION`.
 */
export function decodeCheckpointAnyVersion(b: Buffer): (Checkpoint & { version: number }) | null {
  if (b.length < HEAD || !b.subarray(0, 8).equals(MAGIC)) return null;
  const len = b.readUInt32LE(12);
  if (len !== b.length - HEAD) return null;
  const payload = b.subarray(HEAD);
  if (crc32(payload) !== b.readUInt32LE(16)) return null;
  try {
    const c = packr.unpack(payload) as Checkpoint;
    const p = c?.projections;
    if (!c?.position || typeof c.position.seq !== 'number' || !p?.lifecycle || !p.history || !p.node) return null;
    return { ...c, version: b.readUInt32LE(8) };
  } catch {
    return null;
  }
}
