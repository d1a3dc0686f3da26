/**
 * SIGINT and SIGTERM, held while a writer works: a signal is recorded, never acted on in the
 * middle of a step, and the writer stops at its next safe point (between steps, between a
 * download's chunks). The binary (src/cli.ts) makes one for the process; the writer session
 * holds it from the moment it has the lock until it lets the lock go. Outside a hold the
 * default action applies, so readers end at once and `serve` keeps its own handlers.
 *
 * Only the first signal counts: a second one while a step is held changes nothing (SIGKILL is
 * the way to cut a step short, and everything is built to survive that).
 */
import { Interrupted, type StopSignal } from './errors.js';

const STOP_SIGNALS: StopSignal[] = ['SIGINT', 'SIGTERM'];

/** What the download loop and the checks watch: the signal, if one came, and a way to hear it. */
export interface StopWatch {
  /** The first signal received while held, or null. */
  received(): StopSignal | null;
  /** Calls `listener` when a signal arrives (at once if one already has); returns the unsubscribe. */
  onSignal(listener: (signal: StopSignal) => void): () => void;
}

export interface SignalHold extends StopWatch {
  /** From now until release(), SIGINT and SIGTERM are recorded instead of ending the process. */
  hold(): void;
  release(): void;
}

/** The hold for a process (the real one in the binary; tests of the hold pass an EventEmitter). */
export function processSignals(proc: Pick<NodeJS.Process, 'on' | 'off'> = process): SignalHold {
  let first: StopSignal | null = null;
  let holds = 0;
  const listeners = new Set<(s: StopSignal) => void>();
  const handlers: Record<StopSignal, () => void> = { SIGINT: () => receive('SIGINT'), SIGTERM: () => receive('SIGTERM') };
  function receive(signal: StopSignal): void {
    if (first) return;
    first = signal;
    for (const l of [...listeners]) l(signal);
  }
  return {
    hold() { if (holds++ === 0) for (const s of STOP_SIGNALS) proc.on(s, handlers[s]); },
    release() { if (holds > 0 && --holds === 0) for (const s of STOP_SIGNALS) proc.off(s, handlers[s]); },
    received: () => first,
    onSignal(listener) {
      if (first) { listener(first); return () => {}; }
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}

/**
 * Lets a signal sent a moment ago (by a crash point, say) reach its listener. Node hears signals
 * in the event loop's poll phase; an immediate runs after it, but the first one may come before
 * the poll that sees the signal, so two loop turns.
 */
export async function turn(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
}

/**
 * `work`, unless a signal comes first: then Interrupted at once, and `work` is abandoned (its
 * value, should it still come, goes to `abandon`; its failure is dropped).
 */
export function untilStopped<T>(work: Promise<T>, stop: StopWatch | undefined, abandon?: (value: T) => void): Promise<T> {
  if (!stop) return work;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const off = stop.onSignal((signal) => {
      if (settled) return;
      settled = true;
      reject(new Interrupted(signal));
    });
    work.then(
      (value) => { off(); if (settled) abandon?.(value); else { settled = true; resolve(value); } },
      (err) => { off(); if (!settled) { settled = true; reject(err); } },
    );
  });
}
