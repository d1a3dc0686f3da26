/**
 * The single-writer lock (DESIGN.md §3): a proper-lockfile directory at <data-dir>/lock with an
 * owner file inside. The only import of proper-lockfile.
 *
 * Takeover without waiting for staleness: a lock from an earlier boot, or from this boot and pid
 * namespace whose process is gone. Anything else (another pid namespace, a live pid, no readable
 * owner) waits until its heartbeat is stale. A takeover claims the old directory with an atomic
 * rename, so of two processes that judged the same lock dead only one wins (proper-lockfile #121);
 * the owner file is re-checked before every append as a second line of defence.
 */
import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { LockHeldError, LogError, type LockOwner } from './errors.js';
import { systemClock } from './systemClock.js';

export const STALE_MS = 30_000;
export const UPDATE_MS = 5_000;
const OWNER = 'owner.json';

export interface LockOptions {
  /** How long to wait for a live holder, in ms (the CLI's --wait). */
  waitMs?: number;
  command?: string;
  /** The kernel's boot id: the lock is about real processes, so never a sandbox's. */
  bootId: string;
  /** Called once if the lock is lost while held; appending has already been stopped. */
  onCompromised: (err: LogError) => void;
  /** Heartbeat staleness in ms (default STALE_MS; the heartbeat runs at a sixth of it, at least every second). */
  staleMs?: number;
}

export interface HeldLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Throws LOCK_LOST unless the owner file is still ours. */
  check(): void;
  release(): Promise<void>;
}

function pidNamespace(): number | undefined {
  try { return nodeFs.statSync('/proc/self/ns/pid').ino; } catch { return undefined; }
}

/** Field 22 of /proc/PID/stat: start time in clock ticks, which tells a reused pid from the original. */
export function startTicks(pid: number): number | undefined {
  try {
    const stat = nodeFs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/**
 * Whether the owner file holds exactly `bytes` (what we wrote, nonce and all): the per-append
 * check. One open, one read into `scratch` (one byte longer, to see a longer file) and one close,
 * and no parsing: it was most of an append's CPU as readFileSync + JSON.parse.
 */
function ownerFileIs(lockPath: string, bytes: Buffer, scratch: Buffer): boolean {
  let fd: number;
  try {
    fd = nodeFs.openSync(join(lockPath, OWNER), 'r');
  } catch {
    return false;
  }
  try {
    return nodeFs.readSync(fd, scratch, 0, scratch.length, 0) === bytes.length && scratch.compare(bytes, 0, bytes.length, 0, bytes.length) === 0;
  } catch {
    return false;
  } finally {
    nodeFs.closeSync(fd);
  }
}

export function readOwner(lockPath: string): LockOwner | null {
  try {
    const o = JSON.parse(nodeFs.readFileSync(join(lockPath, OWNER), 'utf8'));
    return typeof o === 'object' && o !== null ? (o as LockOwner) : null;
  } catch {
    return null;
  }
}

/**
 * Who holds the lock as far as a contender can tell: the owner file, or, when the holder was
 * killed between its mkdir and the owner file's rename, the complete tmp file it left.
 */
function holderOf(lockPath: string): LockOwner | null {
  const owner = readOwner(lockPath);
  if (owner) return owner;
  try {
    const o = JSON.parse(nodeFs.readFileSync(join(lockPath, OWNER + '.tmp'), 'utf8'));
    return typeof o === 'object' && o !== null && typeof o.nonce === 'string' ? (o as LockOwner) : null;
  } catch {
    return null;
  }
}

/** A holder writes its owner file within microseconds of mkdir; a lock this old without one was orphaned mid-acquisition. */
const ORPHAN_MS = 2000;

function orphaned(lockPath: string): boolean {
  if (holderOf(lockPath)) return false;
  try {
    return nodeFs.statSync(lockPath).mtimeMs < systemClock() - ORPHAN_MS;
  } catch {
    return false;
  }
}

function isAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid!, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const ticks = startTicks(owner.pid!);
  return owner.startTicks === undefined || ticks === undefined || ticks === owner.startTicks;
}

/** Whether a lock may be taken over now, and why. */
export function takeoverReason(owner: LockOwner | null, me: { bootId: string; pidNs?: number }): string | null {
  if (!owner || typeof owner.pid !== 'number') return null;
  if (owner.bootId && owner.bootId !== me.bootId) return 'it was taken in an earlier boot';
  if (owner.pidNs !== undefined && owner.pidNs === me.pidNs && !isAlive(owner)) return `its holder (pid ${owner.pid}) is gone`;
  return null;
}

/** Moves a dead lock aside atomically; false when someone else got there first. */
function claim(lockPath: string, seen: LockOwner | null): boolean {
  const aside = `${lockPath}.dead-${randomBytes(6).toString('hex')}`;
  try {
    nodeFs.renameSync(lockPath, aside);
  } catch {
    return false;
  }
  const got = holderOf(aside);
  if ((got?.nonce ?? null) !== (seen?.nonce ?? null)) {
    // We moved a newer holder's lock: put it back; if that fails its heartbeat reports the loss.
    try { nodeFs.renameSync(aside, lockPath); } catch { /* see above */ }
    return false;
  }
  nodeFs.rmSync(aside, { recursive: true, force: true });
  return true;
}

/**
 * The holder writes its owner file just after mkdir: give it a moment (half a second at most, for
 * a loaded machine) before calling it unknown.
 */
async function ownerOnceWritten(lockPath: string): Promise<LockOwner | null> {
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const owner = readOwner(lockPath);
    if (owner || !nodeFs.existsSync(lockPath)) return owner;
  }
  return null;
}

/**
 * No heartbeat for `staleMs`. A heartbeat far in the future counts too: the clock jumped back
 * (a device without an RTC, fake-hwclock), and a live holder would have rewritten it within one
 * heartbeat of the jump (proper-lockfile PR #109).
 */
function isStale(lockPath: string, staleMs: number): boolean {
  try {
    const mtime = nodeFs.statSync(lockPath).mtimeMs;
    const now = systemClock();
    return mtime < now - staleMs || mtime > now + staleMs;
  } catch {
    return false;
  }
}

/** Acquires the writer lock of `dataDir`, waiting up to `waitMs` for a live holder. */
export async function acquireLock(dataDir: string, opts: LockOptions): Promise<HeldLock> {
  const path = join(dataDir, 'lock');
  const owner: LockOwner = {
    pid: process.pid, pidNs: pidNamespace(), bootId: opts.bootId, command: opts.command ?? process.argv.slice(1).join(' '),
    startedAt: new Date(systemClock()).toISOString(), startTicks: startTicks(process.pid), nonce: randomBytes(12).toString('hex'),
  };
  const ownerBytes = Buffer.from(JSON.stringify(owner));
  const scratch = Buffer.alloc(ownerBytes.length + 1);
  // The owner file goes in between mkdir and proper-lockfile's mtime probe, so the heartbeat's
  // "is the mtime still ours" check is not upset by it; and a removal empties the directory first.
  const lockFs = {
    ...nodeFs,
    mkdir(p: string, cb: (err: NodeJS.ErrnoException | null) => void) {
      nodeFs.mkdir(p, (err) => {
        if (err) return cb(err);
        try {
          nodeFs.writeFileSync(join(p, OWNER + '.tmp'), ownerBytes);
          nodeFs.renameSync(join(p, OWNER + '.tmp'), join(p, OWNER));
        } catch (e) {
          nodeFs.rmSync(p, { recursive: true, force: true });
          return cb(e as NodeJS.ErrnoException);
        }
        cb(null);
      });
    },
    rmdir(p: string, cb: (err: NodeJS.ErrnoException | null) => void) {
      nodeFs.rm(p, { recursive: true, force: true }, cb);
    },
    rmdirSync(p: string) {
      nodeFs.rmSync(p, { recursive: true, force: true });
    },
  };
  const staleMs = opts.staleMs ?? STALE_MS;
  let lost = false;
  let freedWhileLooking = 0;
  const deadline = systemClock() + (opts.waitMs ?? 0);
  for (;;) {
    try {
      const release = await lockfile.lock(dataDir, {
        lockfilePath: path, realpath: false, stale: staleMs, update: Math.max(1000, Math.min(UPDATE_MS, staleMs / 6)), retries: 0, fs: lockFs,
        onCompromised: (err) => {
          lost = true;
          opts.onCompromised(new LogError('LOCK_LOST', `lost the log lock ${path}: ${err.message}`, { cause: err }));
        },
      });
      return {
        path, owner,
        check() {
          // Exactly our bytes: at least as strict as comparing the nonce, which they contain.
          if (lost || !ownerFileIs(path, ownerBytes, scratch)) {
            lost = true;
            throw new LogError('LOCK_LOST', `the log lock ${path} is no longer ours; appending stopped`);
          }
        },
        async release() {
          if (lost) return;
          try { await release(); } catch { /* already gone: nothing left to release */ }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new LogError('LOG_IO', `cannot take the log lock ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
    const holder = holderOf(path);
    if (takeoverReason(holder, { bootId: opts.bootId, pidNs: owner.pidNs }) || isStale(path, staleMs) || orphaned(path)) {
      if (claim(path, holder)) continue;
    }
    // Released while we looked: it is free, take it (bounded, so a flapping lock cannot spin us).
    if (!nodeFs.existsSync(path) && freedWhileLooking++ < 5) continue;
    const left = deadline - systemClock();
    if (left <= 0) {
      const known = holder ?? (await ownerOnceWritten(path));
      if (!known && !nodeFs.existsSync(path) && freedWhileLooking++ < 5) continue;
      throw new LockHeldError(known, path);
    }
    await new Promise((r) => setTimeout(r, Math.min(left, 50 + Math.random() * 150)));
  }
}
