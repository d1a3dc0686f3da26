/**
 * rxjs views of the log: `replay$` (what is there now, then complete) and `follow$` (replay,
 * then every record other processes append, across rotation, until unsubscribed).
 * fs.watch is only a hint (it drops and duplicates events); a poll timer is the guarantee, and
 * the cursor's position makes every delivery exactly-once whatever woke it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { createRequire } from 'node:module';
import type { Observable } from 'rxjs';
import { LogCursor, type CursorOptions } from './cursor.js';
import type { StoredEvent } from './types.js';

const CHUNK = 4096;

/**
 * rxjs on first use, not on import: it is the largest module this package loads, and the log's
 * one-shot readers (status, history) import this file through log.ts without ever streaming.
 * `import 'rxjs'` resolves to the same CommonJS build, so Observables are the same class.
 */
const rxjs = (): typeof import('rxjs') => createRequire(import.meta.url)('rxjs');

export interface StreamOptions extends Pick<CursorOptions, 'fromSeq' | 'start' | 'onProblem' | 'fs'> {
  /** Poll interval of follow$ in ms; fs.watch usually wakes it sooner. */
  pollMs?: number;
  /** Use fs.watch as a wake-up hint (default true); polling alone must deliver the same events. */
  watch?: boolean;
  /** Read through this cursor (whose position the caller can then see) instead of a new one. */
  cursor?: LogCursor;
}

/** Emits chunks until the cursor is drained; yields to the event loop between chunks. */
async function drain(cursor: LogCursor, emit: (e: StoredEvent) => void, closed: () => boolean): Promise<void> {
  for (;;) {
    const batch = cursor.poll(CHUNK);
    for (const e of batch) {
      if (closed()) return;
      emit(e);
    }
    if (batch.length < CHUNK) return;
    await yieldToLoop();
  }
}

export function replay$(dir: string, opts: StreamOptions = {}): Observable<StoredEvent> {
  return new (rxjs().Observable)<StoredEvent>((sub) => {
    const cursor = new LogCursor(dir, opts);
    drain(cursor, (e) => sub.next(e), () => sub.closed).then(() => sub.complete(), (err) => sub.error(err));
  });
}

export function follow$(dir: string, opts: StreamOptions = {}): Observable<StoredEvent> {
  return new (rxjs().Observable)<StoredEvent>((sub) => {
    const cursor = opts.cursor ?? new LogCursor(dir, opts);
    let running = false;
    let again = false;
    let watcher: FSWatcher | null = null;
    const wake = () => {
      if (sub.closed) return;
      if (running) { again = true; return; }
      running = true;
      drain(cursor, (e) => sub.next(e), () => sub.closed).then(
        () => { running = false; if (again) { again = false; wake(); } },
        (err) => sub.error(err),
      );
    };
    try {
      if (opts.watch !== false) {
        const w = watch(dir, { persistent: false }, wake);
        w.on('error', () => { w.close(); watcher = null; });
        watcher = w;
      }
    } catch {
      watcher = null; // no directory yet, or no inotify: the timer alone still delivers everything
    }
    const timer = setInterval(wake, opts.pollMs ?? 250);
    wake();
    return () => {
      clearInterval(timer);
      watcher?.close();
    };
  });
}
