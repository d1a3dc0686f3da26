/**
 * Streams one artifact from HTTP into a file through SHA-256 in bounded memory, whatever its
 * size: connect/idle timeout only (never a whole-transfer limit), retries with backoff on
 * transient errors, resuming with Range from what is already in the file (re-hashed first), and
 * a durable checkpoint (fdatasync, then the caller records DownloadProgress) every 5 s or 10 %,
 * and of what was written when the transfer fails or a signal stops it.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writev } from 'node:fs';
import { Interrupted } from '../errors.js';
import { untilStopped, type StopWatch } from '../signals.js';
import { HttpError, open, type Authorize } from './http.js';

export interface DownloadOptions {
  url: string;
  path: string;
  idleMs: number;
  /** Bytes already in `path` from an earlier run to keep (they are re-hashed), or 0. */
  resumeFrom: number;
  expected: number | null;
  /** The Authorization for each URL of the transfer, redirects included (a registry's blob); none when absent. */
  authorize?: Authorize;
  /** Called after the partial file is synced: record DownloadProgress {bytes}. */
  onDurable: (bytes: number) => Promise<void>;
  onBytes?: (bytes: number, total: number | null) => void;
  retries?: number;
  backoffMs?: number;
  now: () => number;
  /**
   * SIGINT/SIGTERM: the transfer stops between chunks (never mid-write), the bytes written are
   * synced and recorded through onDurable, and Interrupted is thrown; a resume starts there.
   */
  stop?: StopWatch;
}

/** The state of one artifact's transfer: bytes written and hashed, and the last durable mark. */
interface Transfer { have: number; durable: number; h: Hash }

export interface Downloaded { bytes: number; sha256: string; resumedFrom: number }

/** Hashes the first `n` bytes of an open file (the part a resumed download keeps). */
function hashPrefix(fd: number, n: number, h: Hash): void {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  for (let at = 0; at < n; ) {
    const got = readSync(fd, buf, 0, Math.min(buf.length, n - at), at);
    if (got === 0) throw new Error('the partial file is shorter than recorded');
    h.update(buf.subarray(0, got));
    at += got;
  }
}

export async function download(o: DownloadOptions): Promise<Downloaded> {
  const fd = openSync(o.path, o.resumeFrom > 0 ? 'r+' : 'w');
  try {
    const have = Math.min(o.resumeFrom, fstatSync(fd).size);
    const st: Transfer = { have, durable: have, h: createHash('sha256') };
    if (st.have > 0) hashPrefix(fd, st.have, st.h);
    ftruncateSync(fd, st.have);
    try {
      await fetchWithRetries(fd, st, o);
    } catch (err) {
      // Stopped by a signal, or the transfer failed for good (a stall, a reset, a 5xx after the
      // retries): what was written is a true prefix, kept for the next run's resume as a
      // checkpoint would keep it. Not after a write or a record failed: the file is in doubt.
      if ((err instanceof Interrupted || err instanceof HttpError) && st.have > st.durable) {
        fdatasyncSync(fd);
        await o.onDurable(st.have);
      }
      throw err;
    }
    return { bytes: st.have, sha256: st.h.digest('hex'), resumedFrom: have };
  } finally {
    closeSync(fd);
  }
}

async function fetchWithRetries(fd: number, st: Transfer, o: DownloadOptions): Promise<void> {
  const retries = o.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const signal = o.stop?.received();
    if (signal) throw new Interrupted(signal);
    try {
      return await fetchInto(fd, st, o);
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      if (err instanceof NoResume) {
        // The server ignored Range: start over from the first byte with a fresh hash.
        st.have = 0;
        st.durable = 0;
        st.h = createHash('sha256');
        ftruncateSync(fd, 0);
        continue;
      }
      const transient = err instanceof HttpError ? err.transient : true;
      if (!transient || attempt >= retries) throw err;
      await backoff(Math.min(8000, (o.backoffMs ?? 500) * 2 ** attempt), o.stop);
    }
  }
}

/** Waits before a retry; a signal ends the wait (and the download) at once. */
function backoff(ms: number, stop: StopWatch | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); resolve(); }, ms);
    const off = stop?.onSignal((signal) => { clearTimeout(timer); reject(new Interrupted(signal)); }) ?? (() => {});
  });
}

class NoResume extends Error {}

/** Queued-but-unwritten bytes past which the response is paused (bounded memory). */
const MAX_QUEUED = 4 * 1024 * 1024;

/**
 * One GET from `st.have` on. Length and hash advance together, only with bytes written.
 * Writes run in the thread pool (writev of whatever queued meanwhile) while the main thread
 * hashes what the previous write put on disk, so hashing and writing overlap.
 */
async function fetchInto(fd: number, st: Transfer, o: DownloadOptions): Promise<void> {
  const start = st.have;
  const opened = open(o.url, { idleMs: o.idleMs, headers: start > 0 ? { range: `bytes=${start}-` } : undefined, authorize: o.authorize });
  const { res } = await untilStopped(opened, o.stop, (late) => late.res.destroy());
  if (start > 0 && res.statusCode !== 206) {
    res.destroy();
    throw new NoResume();
  }
  let received = start;
  let lastDurable = { at: o.now(), bytes: start };
  // Checkpoints sync in the background while bytes keep arriving; one at a time. A checkpoint
  // records only the bytes written before its fdatasync began.
  let syncing: Promise<void> | null = null;
  let unsubscribe = () => {};
  const body = new Promise<void>((resolve, reject) => {
    let settled = false;
    let ended = false;
    let writing = false;
    let queue: Buffer[] = [];
    let queued = 0;
    let writeAt = start;
    let failure: Error | null = null;
    // A failure waits for the write in flight: a retry must not race it on the same file.
    const fail = (e: Error) => {
      if (!settled) { settled = true; failure = e; if (!writing) reject(e); }
      res.destroy();
    };
    const written = (chunks: Buffer[]) => {
      for (const c of chunks) st.h.update(c);
      st.have += chunks.reduce((n, c) => n + c.length, 0);
      o.onBytes?.(st.have, o.expected);
      const due = o.now() - lastDurable.at >= 5000 || (o.expected !== null && st.have - lastDurable.bytes >= o.expected / 10);
      if (due && !syncing) {
        const mark = st.have;
        lastDurable = { at: o.now(), bytes: mark };
        syncing = new Promise<void>((done) => fdatasync(fd, (err) => {
          if (err) { fail(err); return done(); }
          o.onDurable(mark).then(() => { st.durable = Math.max(st.durable, mark); syncing = null; done(); }, (e) => { fail(e as Error); done(); });
        }));
      }
    };
    const finishIfDone = () => {
      if (ended && !writing && queue.length === 0 && !settled) { settled = true; resolve(); }
    };
    const pump = () => {
      if (writing || settled || queue.length === 0) return;
      const chunks = queue;
      queue = [];
      queued = 0;
      writing = true;
      res.resume();
      writeAll(fd, chunks, writeAt, (err) => {
        writing = false;
        if (failure) return reject(failure);
        if (err) return fail(err);
        writeAt += chunks.reduce((n, c) => n + c.length, 0);
        // The next write starts before these bytes are hashed: the two overlap.
        pump();
        written(chunks);
        finishIfDone();
      });
    };
    // Between chunks: the write in flight finishes first (fail waits for it), then the transfer ends.
    unsubscribe = o.stop?.onSignal((signal) => fail(new Interrupted(signal))) ?? unsubscribe;
    res.setTimeout(o.idleMs, () => fail(new HttpError(`GET ${o.url}: the body stalled for ${o.idleMs / 1000} s`, true)));
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (o.expected !== null && received + chunk.length > o.expected) return fail(new HttpError(`GET ${o.url}: more bytes than the ${o.expected} announced`, false));
      received += chunk.length;
      queue.push(chunk);
      queued += chunk.length;
      if (queued >= MAX_QUEUED) res.pause();
      pump();
    });
    res.on('error', (e) => fail(e instanceof HttpError ? e : new HttpError(`GET ${o.url}: ${e.message}`, true)));
    res.on('aborted', () => fail(new HttpError(`GET ${o.url}: the connection closed mid-body after ${received} bytes`, true)));
    res.on('end', () => {
      if (settled) return;
      if (o.expected !== null && received !== o.expected) return fail(new HttpError(`GET ${o.url}: the body ended after ${received} of ${o.expected} bytes`, true));
      ended = true;
      finishIfDone();
    });
  });
  // Nothing of ours is left in flight on the file when this returns, even on failure.
  try { await body; } finally { unsubscribe(); await syncing; }
  fdatasyncSync(fd);
}

/** Positional writev of `chunks` at `at`, continuing after short writes. */
function writeAll(fd: number, chunks: Buffer[], at: number, done: (err: Error | null) => void): void {
  writev(fd, chunks, at, (err, n) => {
    if (err) return done(err);
    const total = chunks.reduce((sum, c) => sum + c.length, 0);
    if (n === total) return done(null);
    const rest: Buffer[] = [];
    let skip = n;
    for (const c of chunks) {
      if (skip >= c.length) { skip -= c.length; continue; }
      rest.push(c.subarray(skip));
      skip = 0;
    }
    writeAll(fd, rest, at + n, done);
  });
}
