/**
 * Proving that the log still holds what a checkpoint was built from: the record it names as its
 * head is where it says, intact, and hashes to the head it recorded. A log that was truncated
 * or edited behind the checkpoint fails this, and the caller replays from the start instead.
 */
import { join } from 'node:path';
import type { LogPosition } from './cursor.js';
import { hashFrame } from './format.js';
import { nodeFs, type LogFs } from './logFs.js';
import { FrameScanner, frameOf } from './scan.js';
import { fileSource } from './segments.js';

export function confirmPosition(dir: string, pos: LogPosition, fs: LogFs = nodeFs): boolean {
  if (pos.seq === 0) return true;
  if (!pos.head || !pos.headSegment || !pos.segment) return false;
  let fd: number;
  try { fd = fs.openSync(join(dir, pos.headSegment), 'r'); } catch { return false; }
  try {
    const item = new FrameScanner(fileSource(fs, fd), pos.headOffset).next();
    if (!item || item.kind !== 'frame' || item.offset !== pos.headOffset) return false;
    if (pos.headSegment === pos.segment && item.offset + item.bytes !== pos.offset) return false;
    return hashFrame(frameOf(item)).toString('hex') === pos.head;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}
