/**
 * After a failed fsync, Linux marks the pages clean but ext4 and XFS keep their new content in
 * memory: until the next reboot, readers see bytes that are not on disk, and a second fsync
 * "succeeds" without writing them (fsyncgate). So the failing writer leaves a marker naming the
 * segment and the size that was durable; the next writer writes everything after that offset
 * again, as it reads it now, and syncs it. What readers saw then is what the disk holds — or the
 * sync fails again and that writer stops too.
 */
import { join } from 'node:path';
import { fsyncDir, type LogFs } from './logFs.js';

export const SYNC_FAILED = 'sync-failed.json';

interface Marker { segment: string; durableSize: number }

/** Best effort: the disk that just failed may refuse this too, and then the next writer cannot know. */
export function recordSyncFailure(fs: LogFs, dir: string, m: Marker): void {
  try {
    const fd = fs.openSync(join(dir, SYNC_FAILED), 'w');
    try {
      const body = Buffer.from(JSON.stringify(m));
      fs.writeSync(fd, body, 0, body.length, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fsyncDir(fs, dir);
  } catch {
    // Nothing more can be done from a failing disk; the writer is stopping anyway.
  }
}

function readMarker(fs: LogFs, dir: string): Marker | null {
  let fd: number;
  try { fd = fs.openSync(join(dir, SYNC_FAILED), 'r'); } catch { return null; }
  try {
    const buf = Buffer.alloc(Math.min(4096, fs.fstatSync(fd).size));
    fs.readSync(fd, buf, 0, buf.length, 0);
    const m = JSON.parse(buf.toString('utf8')) as Partial<Marker>;
    if (typeof m.segment === 'string' && /^\d{20}\.seg$/.test(m.segment) && Number.isSafeInteger(m.durableSize)) return m as Marker;
  } catch { /* a torn or foreign marker: treat the whole segment as suspect */ } finally {
    fs.closeSync(fd);
  }
  return { segment: '', durableSize: 0 };
}

/**
 * Writes again and syncs the bytes after the durable size named by a sync-failure marker, then
 * removes the marker. Returns what it did, or null when there was no marker. Throws on I/O errors.
 */
export function resyncAfterFailure(fs: LogFs, dir: string): { segment: string; bytes: number } | null {
  const m = readMarker(fs, dir);
  if (!m) return null;
  const segments = m.segment ? [m.segment] : fs.readdirSync(dir).filter((n) => /^\d{20}\.seg$/.test(n)).sort().slice(-1);
  let bytes = 0;
  for (const name of segments) {
    let fd: number;
    try { fd = fs.openSync(join(dir, name), 'r+'); } catch { continue; }
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.allocUnsafe(1024 * 1024);
      for (let at = Math.max(0, m.durableSize); at < size; ) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
        if (n === 0) break;
        fs.writeSync(fd, buf, 0, n, at);
        at += n;
        bytes += n;
      }
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  fs.unlinkSync(join(dir, SYNC_FAILED));
  fsyncDir(fs, dir);
  return { segment: segments[0] ?? m.segment, bytes };
}
