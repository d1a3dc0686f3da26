/** The segment files of a log directory, and reading one of them. Read-only. */
import { join } from 'node:path';
import { HEADER_SIZE, decodeHeader, parseSegmentName, type SegmentHeader } from './format.js';
import type { LogFs } from './logFs.js';
import type { ByteSource } from './scan.js';

export interface SegmentRef { name: string; baseSeq: number; path: string }

/** Lists segments in seq order; a missing directory is an empty log. Other names are ignored. */
export function listSegments(fs: LogFs, dir: string): SegmentRef[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SegmentRef[] = [];
  for (const name of names) {
    const baseSeq = parseSegmentName(name);
    if (baseSeq !== null) out.push({ name, baseSeq, path: join(dir, name) });
  }
  return out.sort((a, b) => a.baseSeq - b.baseSeq);
}

/** A read-only view of an open segment file, sized when it was opened. */
export function fileSource(fs: LogFs, fd: number, size = fs.fstatSync(fd).size): ByteSource {
  return {
    size,
    read(offset, length) {
      const len = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const n = fs.readSync(fd, buf, got, len - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return got === len ? buf : buf.subarray(0, got);
    },
  };
}

export function readHeader(src: ByteSource): SegmentHeader | { error: string } {
  return decodeHeader(src.read(0, HEADER_SIZE));
}

/** How many segments and bytes the log has now. */
export function segmentStats(fs: LogFs, dir: string): { segments: number; bytes: number } {
  const segments = listSegments(fs, dir);
  let bytes = 0;
  for (const s of segments) {
    try {
      const fd = fs.openSync(s.path, 'r');
      try { bytes += fs.fstatSync(fd).size; } finally { fs.closeSync(fd); }
    } catch { /* vanished or unreadable: counted as empty; verify reports it */ }
  }
  return { segments: segments.length, bytes };
}
