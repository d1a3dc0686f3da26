/**
 * The library API of the log (package export "./events"): open a data directory as a reader or
 * as the single writer, append, read, stream, close.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBootId } from './bootId.js';
import { LogCursor, type LogProblem } from './cursor.js';
import { LogError, openError } from './errors.js';
import type { Evidence } from './evidence.js';
import type { HeldLock } from './lock.js';
import type { LogFs } from './logFs.js';
import { follow$, replay$, type StreamOptions } from './stream.js';
import { systemClock } from './systemClock.js';
import type { NewEvent, StoredEvent } from './types.js';
import { verifyLog, type VerifyReport } from './verify.js';
import type { AppendResult, LogWriter } from './writer.js';

/**
 * Events per batch of `readBatches`. Big enough that the per-poll work (listing segments, opening
 * one) is noise; small enough that a batch dies young: at 4096 the events outlive the young
 * generation and garbage collection doubles (see DOCS-NOTES-speed.md).
 */
const READ_BATCH = 1024;

export interface OpenOptions {
  /** Take the lock and recover the tail, so that `append` works. Readers never lock or modify files. */
  writer: boolean;
  /** Epoch ms for each record; default the wall clock. */
  clock?: () => number;
  /** Stamped on every event; default the kernel's boot id. */
  bootId?: string;
  /** ms to wait for another writer (the CLI's --wait); default 0. */
  waitMs?: number;
  /** Who we are, for the lock's owner file. */
  command?: string;
  segmentBytes?: number;
  fs?: LogFs;
  /** Lock heartbeat staleness in ms (tests shorten it). */
  lockStaleMs?: number;
  /** Called once if the lock is lost while open; appends already fail with LOCK_LOST. */
  onLockLost?: (err: LogError) => void;
  /**
   * Writers: what the log vouched for before (e.g. the seq and head a checkpoint recorded), read
   * under the lock. A log behind it has lost acknowledged events: the writer records `LogLost`.
   */
  evidence?: () => Evidence | null;
  /** Corruption found while reading (readers are lenient: they skip it and go on). */
  onProblem?: (p: LogProblem) => void;
}

export class EventLog {
  private constructor(
    readonly dataDir: string,
    private readonly opts: OpenOptions,
    private readonly writer: LogWriter | null,
    private readonly lock: HeldLock | null,
  ) {}

  get eventsDir(): string { return join(this.dataDir, 'events'); }

  static async open(dataDir: string, opts: OpenOptions): Promise<EventLog> {
    if (!opts.writer) return new EventLog(dataDir, opts, null, null);
    // The writer's half (proper-lockfile, recovery) loads only here: a reader never needs it.
    const [{ acquireLock }, { LogWriter }] = await Promise.all([import('./lock.js'), import('./writer.js')]);
    const kernelBoot = readBootId() ?? 'unknown';
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (err) {
      throw openError('cannot create the data directory', dataDir, err, 'LOG_IO');
    }
    let writer: LogWriter;
    let lostEarly: LogError | null = null;
    const lock = await acquireLock(dataDir, {
      waitMs: opts.waitMs, command: opts.command, bootId: kernelBoot, staleMs: opts.lockStaleMs,
      onCompromised: (err) => {
        lostEarly = err;
        opts.onLockLost?.(err);
      },
    });
    try {
      writer = LogWriter.open(join(dataDir, 'events'), {
        clock: opts.clock ?? systemClock,
        bootId: opts.bootId ?? kernelBoot,
        fs: opts.fs,
        segmentBytes: opts.segmentBytes,
        guard: () => { if (lostEarly) throw lostEarly; lock.check(); },
        evidence: opts.evidence,
      });
    } catch (err) {
      await lock.release();
      throw err;
    }
    return new EventLog(dataDir, opts, writer, lock);
  }

  private get w(): LogWriter {
    if (!this.writer) throw new LogError('LOG_CLOSED', 'this log was opened read-only');
    return this.writer;
  }

  /** Seq of the last event (writer: appended; reader: call `verify` or read to learn it). */
  get lastSeq(): number { return this.w.lastSeq; }
  /** SHA-256 of the newest record, hex (the head of the hash chain). */
  get head(): string { return this.w.head; }

  /** Appends the events as one record; resolves after fdatasync, rejects (and stops the writer) on I/O errors. */
  async append(events: NewEvent[]): Promise<AppendResult> {
    return this.w.append(events);
  }

  /**
   * Every event with seq ≥ fromSeq, in order, as it is on disk now, one per step. Each step is an
   * `await`, which costs about as much as decoding an event: `readBatches` is the fast way
   * through a long log.
   */
  async *read(opts: { fromSeq?: number } = {}): AsyncIterable<StoredEvent> {
    for await (const batch of this.readBatches(opts)) {
      for (const e of batch) yield e;
    }
  }

  /**
   * The events of `read`, in arrays of about READ_BATCH (never empty; a record's events stay
   * together): one `await` per array, so replaying costs no more than decoding.
   */
  async *readBatches({ fromSeq = 1 }: { fromSeq?: number } = {}): AsyncIterable<StoredEvent[]> {
    const cursor = new LogCursor(this.eventsDir, { fromSeq, fs: this.opts.fs, onProblem: this.opts.onProblem });
    for (;;) {
      const batch = cursor.poll(READ_BATCH);
      if (batch.length > 0) yield batch;
      if (batch.length < READ_BATCH) return;
    }
  }

  replay$(opts: StreamOptions = {}) {
    return replay$(this.eventsDir, { fs: this.opts.fs, onProblem: this.opts.onProblem, ...opts });
  }

  follow$(opts: StreamOptions = {}) {
    return follow$(this.eventsDir, { fs: this.opts.fs, onProblem: this.opts.onProblem, ...opts });
  }

  verify(): VerifyReport {
    return verifyLog(this.eventsDir, this.opts.fs);
  }

  async close(): Promise<void> {
    this.writer?.close();
    await this.lock?.release();
  }
}
