/**
 * One record per attempt, from AttemptStarted to its outcome, with every step the log saw:
 * phase durations, healthchecks, boots, the rollback cause. Pure fold; times from the events.
 */
import type { CheckResult, Slot, StoredEvent } from '../events/types.js';

export type Outcome = 'success' | 'failed' | 'rolled_back' | 'open';
type TimedPhase = 'checking' | 'downloading' | 'staged' | 'activated' | 'verifying';

export interface HealthcheckRecord { at: number; ok: boolean; checks: CheckResult[]; consecutiveFailures?: number; markedGood?: boolean; interrupted?: boolean; error?: string }
/** `boot`: the boot id, null for an inferred boot (one that never reached the agent). */
export interface BootRecord { at: number; boot: string | null; slot: Slot | null; bootCounter: number | null; bootSuccess: number | null; inferred?: boolean }

export interface AttemptRecord {
  id: string;
  fromVersion: string | null;
  toVersion: string | null;
  fromSlot: Slot | null;
  toSlot: Slot | null;
  startedAt: number | null;
  endedAt: number | null;
  outcome: Outcome;
  failedStep: string | null;
  error: string | null;
  rollback: { by: string; reason: string } | null;
  boots: BootRecord[];
  healthchecks: HealthcheckRecord[];
  /** ms spent in each phase so far. */
  phases: Partial<Record<TimedPhase, number>>;
  /** The phase being timed and since when (internal to the fold, kept for checkpoints). */
  current: { phase: TimedPhase; since: number } | null;
  /** True for the attempt the Go agent had open when we took over. */
  migrated?: boolean;
  /** True for a trial found in grubenv that the log had no attempt for (TrialAdopted). */
  adopted?: boolean;
}

export interface History {
  attempts: AttemptRecord[];
  /** Index of the open attempt in `attempts`, or -1. */
  open: number;
}

export function initialHistory(): History {
  return { attempts: [], open: -1 };
}

function enter(a: AttemptRecord, phase: TimedPhase | null, at: number): AttemptRecord {
  if (a.current?.phase === phase) return a;
  const phases = { ...a.phases };
  if (a.current) phases[a.current.phase] = (phases[a.current.phase] ?? 0) + Math.max(0, at - a.current.since);
  return { ...a, phases, current: phase ? { phase, since: at } : null };
}

function end(a: AttemptRecord, outcome: Outcome, at: number, patch: Partial<AttemptRecord> = {}): AttemptRecord {
  return { ...enter(a, null, at), outcome, endedAt: at, ...patch };
}

function blank(id: string, at: number | null): AttemptRecord {
  return {
    id, fromVersion: null, toVersion: null, fromSlot: null, toSlot: null, startedAt: at, endedAt: null, outcome: 'open',
    failedStep: null, error: null, rollback: null, boots: [], healthchecks: [], phases: {}, current: null,
  };
}

/** Replaces the attempt at `i`; the open pointer moves off it when it ends. */
function put(h: History, i: number, a: AttemptRecord): History {
  const attempts = h.attempts.slice();
  attempts[i] = a;
  return { attempts, open: a.outcome === 'open' ? i : h.open === i ? -1 : h.open };
}

/** The attempt an event belongs to: its own id, else the open one. */
function indexFor(h: History, e: StoredEvent): number {
  if (!e.attempt) return h.open;
  if (h.open >= 0 && h.attempts[h.open].id === e.attempt) return h.open;
  for (let i = h.attempts.length - 1; i >= 0; i--) if (h.attempts[i].id === e.attempt) return i;
  return -1;
}

export function evolveHistory(h: History, e: StoredEvent): History {
  if ('foreign' in e) return h;
  if (e.type === 'AttemptStarted') {
    const d = e.data;
    let next = h;
    // A new attempt while one is open means the old one was abandoned without an outcome.
    if (h.open >= 0) next = put(h, h.open, end(h.attempts[h.open], 'failed', e.at, { failedStep: 'superseded', error: 'a new attempt started before this one ended' }));
    const a: AttemptRecord = {
      ...blank(e.attempt ?? `seq-${e.seq}`, e.at),
      fromVersion: d.fromVersion, toVersion: d.toVersion, fromSlot: d.fromSlot, toSlot: d.toSlot,
      current: { phase: 'checking', since: e.at },
    };
    return { attempts: [...next.attempts, a], open: next.attempts.length };
  }
  if (e.type === 'Migrated') return migrated(h, e.data.state, e.at, e.seq);
  if (e.type === 'TrialAdopted') return adopted(h, e);
  // Health checks without an attempt id checked a stable system: not part of any attempt.
  if (!e.attempt && (e.type === 'HealthcheckStarted' || e.type === 'HealthcheckPassed' || e.type === 'HealthcheckFailed')) return h;
  const i = indexFor(h, e);
  if (i < 0) return h;
  const a = h.attempts[i];
  switch (e.type) {
    case 'DownloadStarted': case 'DownloadProgress': case 'ArtifactVerified':
      return a.outcome === 'open' ? put(h, i, enter(a, 'downloading', e.at)) : h;
    case 'Staged':
      return put(h, i, enter(a, 'staged', e.at));
    case 'Activated':
      return put(h, i, enter(a, 'activated', e.at));
    case 'HealthcheckStarted':
      return a.outcome === 'open' ? put(h, i, enter(a, 'verifying', e.at)) : h;
    case 'HealthcheckPassed': {
      const rec: HealthcheckRecord = { at: e.at, ok: true, checks: e.data.checks, markedGood: e.data.markedGood };
      const withCheck = { ...a, healthchecks: [...a.healthchecks, rec] };
      if (!e.data.markedGood) {
        if (e.data.error) rec.error = e.data.error;
        return put(h, i, a.outcome === 'open' && a.current?.phase === 'verifying' ? enter(withCheck, 'activated', e.at) : withCheck);
      }
      return put(h, i, a.outcome === 'open' && a.current && (a.current.phase === 'activated' || a.current.phase === 'verifying')
        ? end(withCheck, 'success', e.at) : withCheck);
    }
    case 'HealthcheckFailed': {
      const rec: HealthcheckRecord = { at: e.at, ok: false, checks: e.data.checks, consecutiveFailures: e.data.consecutiveFailures, ...(e.data.interrupted ? { interrupted: true } : {}) };
      const withCheck = { ...a, healthchecks: [...a.healthchecks, rec] };
      return put(h, i, a.outcome === 'open' ? enter(withCheck, 'activated', e.at) : withCheck);
    }
    case 'BootObserved': {
      const d = e.data;
      const boot: BootRecord = { at: e.at, boot: d.inferred ? null : e.boot, slot: d.slot, bootCounter: d.bootCounter, bootSuccess: d.bootSuccess };
      if (d.inferred) boot.inferred = true;
      return put(h, i, { ...a, boots: [...a.boots, boot] });
    }
    case 'RolledBack':
      return put(h, i, end(a, 'rolled_back', e.at, { rollback: { by: e.data.by, reason: e.data.reason }, error: e.data.reason }));
    case 'AttemptFailed': {
      const step = e.data.gate ? `gate:${e.data.gate}` : e.data.step;
      return a.outcome === 'open' ? put(h, i, end(a, 'failed', e.at, { failedStep: step, error: e.data.error })) : h;
    }
    default:
      return h;
  }
}

/** A trial adopted from grubenv: it continues the open attempt of the same id, or starts one. */
function adopted(h: History, e: Extract<StoredEvent, { type: 'TrialAdopted' }>): History {
  const d = e.data;
  const id = e.attempt ?? `seq-${e.seq}`;
  const i = indexFor(h, e);
  if (i >= 0 && h.attempts[i].id === id) {
    const a = h.attempts[i];
    return put(h, i, enter({ ...a, toSlot: d.slot, fromSlot: d.previousSlot, toVersion: a.toVersion ?? d.version, fromVersion: a.fromVersion ?? d.fallback.version, adopted: true }, 'activated', e.at));
  }
  const a: AttemptRecord = {
    ...blank(id, e.at), fromVersion: d.fallback.version, toVersion: d.version, fromSlot: d.previousSlot, toSlot: d.slot,
    current: { phase: 'activated', since: e.at }, adopted: true,
  };
  return { attempts: [...h.attempts, a], open: h.attempts.length };
}

/** An attempt the Go agent had under way (not idle, not a finished outcome) continues here as open. */
function migrated(h: History, u: Record<string, unknown>, at: number, seq: number): History {
  const phase = String(u.phase ?? 'idle');
  if (phase === 'idle') return h;
  const startedAt = typeof u.started_at === 'string' && Number.isFinite(Date.parse(u.started_at)) ? Date.parse(u.started_at) : null;
  const outcome: Outcome = phase === 'success' || phase === 'failed' || phase === 'rolled_back' ? phase : 'open';
  const timed: TimedPhase | null = (['checking', 'downloading', 'staged', 'activated', 'verifying'] as const).find((p) => p === phase) ?? null;
  const a: AttemptRecord = {
    ...blank(`migrated-${seq}`, startedAt),
    fromVersion: typeof u.from_version === 'string' ? u.from_version : null,
    toVersion: typeof u.to_version === 'string' ? u.to_version : null,
    outcome, endedAt: outcome === 'open' ? null : at,
    error: typeof u.last_error === 'string' && u.last_error ? u.last_error : null,
    current: timed ? { phase: timed, since: at } : null, migrated: true,
  };
  return { attempts: [...h.attempts, a], open: outcome === 'open' ? h.attempts.length : h.open };
}
