/**
 * Cutting a torn tail off the newest segment without losing the evidence (etcd keeps a `.broken`
 * copy; we keep ours in `quarantine/`, never deleted automatically).
 *
 * Order, so that a crash at any point loses nothing and leaves a trace:
 *   1. copy the bytes to quarantine/<name>.pending, fsync it and the directory;
 *   2. truncate the segment (or remove a segment with nothing of ours in it), fsync;
 *   3. the writer appends LogRepaired naming <name>;
 *   4. rename <name>.pending to <name>, fsync the directory.
 * A `.pending` copy found at open means a crash came between 1 and 4: `reconcilePending`
 * appends the missing LogRepaired (unless the log already has it) and finishes step 4.
 */
import { join } from 'node:path';
import { FRAME_OVERHEAD, HEADER_SIZE, decodePayload } from './format.js';
import { crashPoint } from './crashPoint.js';
import { fsyncDir, type LogFs } from './logFs.js';
import { scanFrames } from './scan.js';
import { fileSource, type SegmentRef } from './segments.js';
import type { EventDataByType } from './types.js';

export interface TornTail { offset: number; bytes: number; reason: string }

export interface Repair {
  event: EventDataByType['LogRepaired'];
  /** Step 4: call once the LogRepaired event is durable. */
  commit(): void;
}

const PENDING = '.pending';
const CHUNK = 1024 * 1024;

function finishRepair(fs: LogFs, qdir: string, name: string): () => void {
  return () => {
    fs.renameSync(join(qdir, name + PENDING), join(qdir, name));
    fsyncDir(fs, qdir);
  };
}

/** Steps 1 and 2 for one tail. `fd: null` removes the whole segment file instead of truncating it. */
export function quarantineTail(fs: LogFs, dir: string, seg: SegmentRef, tail: TornTail & { fd: number | null }, now: number): Repair {
  const qdir = join(dir, 'quarantine');
  const name = `${seg.name}@${tail.offset}.${now}.torn`;
  const src = fs.openSync(seg.path, 'r');
  const out = fs.openSync(join(qdir, name + PENDING), 'w');
  try {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, tail.bytes)));
    for (let done = 0; done < tail.bytes; ) {
      const n = fs.readSync(src, buf, 0, Math.min(buf.length, tail.bytes - done), tail.offset + done);
      if (n === 0) break;
      fs.writeSync(out, buf, 0, n, done);
      done += n;
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
    fs.closeSync(src);
  }
  fsyncDir(fs, qdir);
  crashPoint('log.repair.after-copy');
  if (tail.fd === null) {
    fs.unlinkSync(seg.path);
    fsyncDir(fs, dir);
  } else {
    fs.ftruncateSync(tail.fd, tail.offset);
    fs.fsyncSync(tail.fd);
  }
  crashPoint('log.repair.after-truncate');
  return {
    event: { segment: seg.name, droppedBytes: tail.bytes, reason: tail.reason, quarantined: name },
    commit: finishRepair(fs, qdir, name),
  };
}

/** Finishes repairs a crash interrupted; `fresh` are the ones this open just made. */
export function reconcilePending(fs: LogFs, dir: string, newest: SegmentRef, fresh: Repair[]): Repair[] {
  const qdir = join(dir, 'quarantine');
  const mine = new Set(fresh.map((r) => r.event.quarantined + PENDING));
  const stale = fs.readdirSync(qdir).filter((n) => n.endsWith(PENDING) && !mine.has(n));
  if (stale.length === 0) return [];
  const recorded = repairsRecordedIn(fs, newest);
  const out: Repair[] = [];
  for (const file of stale) {
    const name = file.slice(0, -PENDING.length);
    if (recorded.has(name)) {
      finishRepair(fs, qdir, name)();
      continue;
    }
    const fd = fs.openSync(join(qdir, file), 'r');
    const bytes = fs.fstatSync(fd).size;
    fs.closeSync(fd);
    out.push({
      event: { segment: name.split('@')[0], droppedBytes: bytes, reason: 'repair interrupted by a crash', quarantined: name },
      commit: finishRepair(fs, qdir, name),
    });
  }
  return out;
}

/** The `quarantined` names of the LogRepaired events in one segment. */
function repairsRecordedIn(fs: LogFs, seg: SegmentRef): Set<string> {
  const names = new Set<string>();
  const fd = fs.openSync(seg.path, 'r');
  try {
    for (const item of scanFrames(fileSource(fs, fd), HEADER_SIZE)) {
      if (item.kind !== 'frame') continue;
      const p = decodePayload(item.buf, item.at + FRAME_OVERHEAD, item.at + item.bytes);
      if ('error' in p) continue;
      for (const e of p.events) {
        if (e.type === 'LogRepaired' && typeof e.data.quarantined === 'string') names.add(e.data.quarantined);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return names;
}
