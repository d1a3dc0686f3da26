/**
 * The lifecycle of the current attempt: what state.json shows and what the commands decide on.
 * One pure fold over the log, so a transition is written once (DESIGN.md §2 phase table).
 * No clock, no I/O: times come from the events.
 */
import type { Slot, StoredEvent } from '../events/types.js';

export const PHASES = ['idle', 'checking', 'downloading', 'staged', 'activated', 'verifying', 'success', 'rolled_back', 'failed'] as const;
export type Phase = (typeof PHASES)[number];

export interface Lifecycle {
  phase: Phase;
  fromVersion?: string;
  toVersion?: string;
  fromSlot?: Slot;
  toSlot?: Slot;
  /** Epoch ms when the current attempt started. */
  startedAt?: number;
  lastError?: string;
  /** Attempts at the current target version (a new target restarts at 1; a check never counts). */
  attemptCount: number;
  healthCheckFailures: number;
  attemptId?: string;
  /** The last event folded in. */
  seq: number;
  /** Versions whose attempt was rolled back: apply refuses them until --allow-rejected. */
  rejected: string[];
  /** An Intent whose outcome is not in the log yet (a crash between them leaves it here). */
  pendingIntent: { action: 'activate' | 'rollback' | 'mark-good'; slot: Slot; attempt?: string; by?: 'manual' | 'auto'; reason?: string } | null;
  /**
   * The slot on trial since Activated: the boot id it was activated in, and the boot_counter the
   * log last knew for it (3 at activation, then each BootObserved's).
   */
  trial: { slot: Slot; boot: string; counter: number } | null;
  /**
   * Bytes of each artifact durably downloaded into a slot for a version (DownloadProgress), kept
   * across an interrupted attempt so the next attempt at the same version and slot resumes.
   */
  partial: { version: string; slot: Slot; bytes: Record<string, number> } | null;
}

export function initialLifecycle(): Lifecycle {
  return { phase: 'idle', attemptCount: 0, healthCheckFailures: 0, seq: 0, rejected: [], pendingIntent: null, trial: null, partial: null };
}

const ON_TRIAL: ReadonlySet<Phase> = new Set(['activated', 'verifying']);

/** An event of the current attempt (a migrated attempt has no id: any attempt-scoped event is its). */
const ofTrial = (s: Lifecycle, attempt: string | undefined) => attempt !== undefined && (s.attemptId === undefined || attempt === s.attemptId);

function failedChecks(checks: ReadonlyArray<{ name: string; ok: boolean; detail?: string }>): string {
  const bad = checks.filter((c) => !c.ok).map((c) => (c.detail ? `${c.name} (${c.detail})` : c.name));
  return `healthcheck failed: ${bad.length > 0 ? bad.join(', ') : 'no check passed'}`;
}

/** Folds one event into the lifecycle. Total: unknown events only advance `seq`. */
export function evolveLifecycle(s: Lifecycle, e: StoredEvent): Lifecycle {
  const next = applyEvent(s, e);
  return next === s ? { ...s, seq: e.seq } : { ...next, seq: e.seq };
}

function applyEvent(s: Lifecycle, e: StoredEvent): Lifecycle {
  if ('foreign' in e) return s;
  switch (e.type) {
    case 'AttemptStarted': {
      const d = e.data;
      return {
        ...s, phase: 'checking', attemptId: e.attempt, startedAt: e.at,
        fromVersion: d.fromVersion, toVersion: d.toVersion, fromSlot: d.fromSlot, toSlot: d.toSlot,
        lastError: undefined, healthCheckFailures: 0, trial: null,
        attemptCount: d.toVersion === s.toVersion ? s.attemptCount + 1 : 1,
        partial: s.partial && s.partial.version === d.toVersion && s.partial.slot === d.toSlot ? s.partial : null,
      };
    }
    case 'DownloadProgress': {
      const phase = s.phase === 'checking' || s.phase === 'downloading' ? 'downloading' : s.phase;
      if (!s.toVersion || !s.toSlot) return { ...s, phase };
      const base = s.partial && s.partial.version === s.toVersion && s.partial.slot === s.toSlot ? s.partial.bytes : {};
      return { ...s, phase, partial: { version: s.toVersion, slot: s.toSlot, bytes: { ...base, [e.data.artifact]: e.data.bytes } } };
    }
    case 'DownloadStarted':
    case 'ArtifactVerified':
      return s.phase === 'checking' || s.phase === 'downloading' ? { ...s, phase: 'downloading' } : s;
    case 'Staged':
      return { ...s, phase: 'staged', partial: null };
    case 'Activated':
      return { ...s, phase: 'activated', healthCheckFailures: 0, pendingIntent: null, trial: { slot: e.data.slot, boot: e.boot, counter: 3 } };
    case 'Intent':
      return { ...s, pendingIntent: { ...e.data, ...(e.attempt ? { attempt: e.attempt } : {}) } };
    case 'IntentAbandoned':
      return { ...s, pendingIntent: null };
    case 'BootObserved':
      return s.trial && e.data.slot === s.trial.slot && e.data.bootCounter !== null ? { ...s, trial: { ...s.trial, counter: e.data.bootCounter } } : s;
    // Only checks of the attempt on trial (they carry its id) move the lifecycle; a check of a
    // stable system, or of the old slot before the reboot, is history only.
    case 'HealthcheckStarted':
      return ON_TRIAL.has(s.phase) && ofTrial(s, e.attempt) ? { ...s, phase: 'verifying' } : s;
    case 'HealthcheckPassed':
      return ON_TRIAL.has(s.phase) && ofTrial(s, e.attempt) && e.data.markedGood
        ? { ...s, phase: 'success', lastError: undefined, healthCheckFailures: 0, trial: null, pendingIntent: null }
        : s;
    case 'HealthcheckFailed':
      if (!ON_TRIAL.has(s.phase) || !ofTrial(s, e.attempt)) return s;
      if (e.data.interrupted) return { ...s, phase: 'activated' };
      return { ...s, phase: 'activated', healthCheckFailures: e.data.consecutiveFailures, lastError: failedChecks(e.data.checks) };
    case 'RolledBack': {
      const rejected = s.toVersion && !s.rejected.includes(s.toVersion) ? [...s.rejected, s.toVersion] : s.rejected;
      return { ...s, phase: 'rolled_back', lastError: e.data.reason, rejected, trial: null, pendingIntent: null };
    }
    case 'AttemptFailed':
      return { ...s, phase: 'failed', lastError: e.data.error, trial: null };
    case 'Migrated':
      return fromUpstream(s, e.data.state);
    case 'UpdateChecked': case 'UpdateDeferred': case 'MetadataFetched': case 'LogRepaired': case 'OperatorNote':
      return s;
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);

/** The Go agent's state.json as our lifecycle (what `Migrated` carries). Unknown values are dropped. */
function fromUpstream(s: Lifecycle, u: Record<string, unknown>): Lifecycle {
  const phase = (PHASES as readonly string[]).includes(u.phase as string) ? (u.phase as Phase) : 'idle';
  const started = typeof u.started_at === 'string' ? Date.parse(u.started_at) : NaN;
  const count = Number(u.attempt_count);
  const failures = Number(u.health_check_failures);
  return {
    ...s, phase,
    fromVersion: str(u.from_version), toVersion: str(u.to_version), lastError: str(u.last_error),
    startedAt: Number.isFinite(started) && started > 0 ? started : undefined,
    attemptCount: Number.isSafeInteger(count) && count >= 0 ? count : 0,
    healthCheckFailures: Number.isSafeInteger(failures) && failures >= 0 ? failures : 0,
  };
}
