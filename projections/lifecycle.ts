/**
 * The lifecycle of the current attempt: what state.json shows and what the commands decide on.
 * One pure fold over the log, so a transition is written once (DESIGN.md §2 phase table).
 * No clock, no I/O: times come from the events.
 */
import type { ArtifactRecord, IntentAction, Slot, StoredEvent } from '../events/types.js';

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
  /** The same releases by their bytes (artifactsKey of each), so a relabelled copy is refused too. */
  rejectedArtifacts: string[];
  /** The artifacts of the current attempt: from its metadata, then as staged. */
  toArtifacts: ArtifactRecord[] | null;
  /** An Intent whose outcome is not in the log yet (a crash between them leaves it here). */
  pendingIntent: { action: IntentAction; slot: Slot; attempt?: string; by?: 'manual' | 'auto'; reason?: string; checks?: CheckList } | null;
  /**
   * The slot on trial since Activated (or TrialAdopted): the boot id it began in, the boot_counter
   * the log last knew for it (3 at activation, then each BootObserved's), and the release in it.
   */
  trial: { slot: Slot; boot: string; counter: number; version: string | null; artifacts: ArtifactRecord[] } | null;
  /**
   * The release each slot holds that this node has verified: it passed a health check on trial
   * here, or was recorded as provisioned, migrated or the fallback of an adopted trial. Cleared
   * when apply starts writing the slot. Rollbacks and bootenv only ever point GRUB at these.
   */
  verified: Record<Slot, VerifiedRelease | null>;
  /** The log has recorded what a slot holds at least once (provisioned, staged, adopted or activated). */
  slotsKnown: boolean;
  /**
   * Bytes of each artifact durably downloaded into a slot for a version (DownloadProgress), kept
   * across an interrupted attempt so the next attempt at the same version and slot resumes.
   */
  partial: { version: string; slot: Slot; bytes: Record<string, number> } | null;
  /**
   * Attempts the log started whose outcome event only a lost range held (LogLost restored how they
   * ended from the checkpoint): reconciliation records their end, which changes nothing else.
   * Absent when there are none.
   */
  endLost?: EndLost[];
}

/** An attempt whose outcome event was in the lost events `from`–`to`. */
export interface EndLost { attempt: string; from: number; to: number }

type CheckList = Array<{ name: string; ok: boolean; ms: number; detail?: string }>;

export interface VerifiedRelease { version: string | null; artifacts: ArtifactRecord[]; by: 'healthcheck' | 'found' | 'migrated' | 'bootenv' | 'adopted' }

export function initialLifecycle(): Lifecycle {
  return {
    phase: 'idle', attemptCount: 0, healthCheckFailures: 0, seq: 0, rejected: [], rejectedArtifacts: [], toArtifacts: null,
    pendingIntent: null, trial: null, partial: null, verified: { A: null, B: null }, slotsKnown: false,
  };
}

/** One string for a release's bytes: its artifact hashes, sorted. Empty when none are known. */
export function artifactsKey(artifacts: ReadonlyArray<{ sha256: string }> | null): string {
  return artifacts && artifacts.length > 0 ? artifacts.map((a) => a.sha256).sort().join('+') : '';
}

const withVerified = (s: Lifecycle, slot: Slot, v: VerifiedRelease | null): Record<Slot, VerifiedRelease | null> => ({ ...s.verified, [slot]: v });

const ON_TRIAL: ReadonlySet<Phase> = new Set(['activated', 'verifying']);

/** An event of the current attempt (a log from before migrated attempts had ids: any attempt-scoped event is its). */
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
        lastError: undefined, healthCheckFailures: 0, trial: null, toArtifacts: null,
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
    case 'MetadataFetched':
      return e.attempt === s.attemptId ? { ...s, toArtifacts: e.data.artifacts } : s;
    case 'DownloadStarted': {
      // The slot is being written: whatever it held is no longer a verified release.
      const verified = s.toSlot && e.attempt === s.attemptId ? withVerified(s, s.toSlot, null) : s.verified;
      return s.phase === 'checking' || s.phase === 'downloading' ? { ...s, phase: 'downloading', verified } : { ...s, verified };
    }
    case 'ArtifactVerified':
      return s.phase === 'checking' || s.phase === 'downloading' ? { ...s, phase: 'downloading' } : s;
    case 'Staged':
      return { ...s, phase: 'staged', partial: null, toArtifacts: e.data.artifacts, verified: withVerified(s, e.data.slot, null), slotsKnown: true };
    case 'Activated':
      return {
        ...s, phase: 'activated', healthCheckFailures: 0, pendingIntent: null, slotsKnown: true,
        trial: { slot: e.data.slot, boot: e.boot, counter: 3, version: s.toVersion ?? null, artifacts: s.toArtifacts ?? [] },
      };
    case 'TrialAdopted':
      return adoptTrial(s, e.data, e.attempt ?? `seq-${e.seq}`, e.boot, e.at);
    case 'Provisioned':
      return { ...s, slotsKnown: true, verified: withVerified(s, e.data.slot, { version: e.data.version, artifacts: e.data.artifacts, by: e.data.how }) };
    case 'BootEnvInitialized':
      return { ...s, pendingIntent: null, slotsKnown: true };
    case 'Intent':
      return { ...s, pendingIntent: { ...e.data, ...(e.attempt ? { attempt: e.attempt } : {}) } };
    case 'IntentAbandoned':
      return { ...s, pendingIntent: null };
    case 'IntentFailed':
      return { ...s, pendingIntent: null, lastError: `${e.data.action} of slot ${e.data.slot} failed: ${e.data.error}` };
    case 'BootObserved': {
      const t = s.trial;
      if (!t || e.data.slot !== t.slot) return s;
      // A trial boot whose counter could not be read (grubenv gone) still cost one: GRUB counted it.
      const counter = e.data.bootCounter ?? (e.boot !== t.boot ? Math.max(0, t.counter - 1) : t.counter);
      return counter === t.counter ? s : { ...s, trial: { ...t, counter } };
    }
    // Only checks of the attempt on trial (they carry its id) move the lifecycle; a check of a
    // stable system, or of the old slot before the reboot, is history only.
    case 'HealthcheckStarted':
      return ON_TRIAL.has(s.phase) && ofTrial(s, e.attempt) ? { ...s, phase: 'verifying' } : s;
    case 'HealthcheckPassed': {
      if (!ON_TRIAL.has(s.phase) || !ofTrial(s, e.attempt)) return s;
      // Checks passed but the boot could not be marked good: still on trial, with the reason.
      if (!e.data.markedGood) return { ...s, phase: 'activated', lastError: e.data.error ?? 'the checks passed, but the boot was not marked good' };
      const t = s.trial;
      return {
        ...s, phase: 'success', lastError: undefined, healthCheckFailures: 0, trial: null, pendingIntent: null,
        verified: t ? withVerified(s, t.slot, { version: t.version, artifacts: t.artifacts, by: 'healthcheck' }) : s.verified,
      };
    }
    case 'HealthcheckFailed':
      if (!ON_TRIAL.has(s.phase) || !ofTrial(s, e.attempt)) return s;
      if (e.data.interrupted) return { ...s, phase: 'activated' };
      return { ...s, phase: 'activated', healthCheckFailures: e.data.consecutiveFailures, lastError: failedChecks(e.data.checks) };
    case 'RolledBack': {
      // Rejected: the release of the trial rolled back, or the installed one an operator left.
      const leaves = (ON_TRIAL.has(s.phase) && ofTrial(s, e.attempt)) || (s.phase === 'success' && e.data.fromSlot === s.toSlot)
        || (e.attempt !== undefined && e.attempt === s.attemptId);
      if (!leaves) return { ...s, phase: 'rolled_back', lastError: e.data.reason, pendingIntent: null };
      const rejected = s.toVersion && !s.rejected.includes(s.toVersion) ? [...s.rejected, s.toVersion] : s.rejected;
      const key = artifactsKey(s.trial?.artifacts ?? s.toArtifacts);
      const rejectedArtifacts = key && !s.rejectedArtifacts.includes(key) ? [...s.rejectedArtifacts, key] : s.rejectedArtifacts;
      return { ...s, phase: 'rolled_back', lastError: e.data.reason, rejected, rejectedArtifacts, trial: null, pendingIntent: null };
    }
    case 'AttemptFailed':
      // The end of an attempt a lost range held: already folded from the checkpoint, now in the log too.
      if (e.attempt !== undefined && s.endLost?.some((x) => x.attempt === e.attempt)) return withEndLost(s, s.endLost.filter((x) => x.attempt !== e.attempt));
      return { ...s, phase: 'failed', lastError: e.data.error, trial: null };
    case 'Migrated':
      return fromUpstream(s, e.data.state, `migrated-${e.seq}`);
    case 'UpdateChecked': case 'UpdateDeferred': case 'LogRepaired': case 'OperatorNote': case 'LogLost': case 'LossAccepted':
      return s;
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

/** The lifecycle with these attempts' ends owed to the log; without the key when none are. */
export function withEndLost(s: Lifecycle, endLost: EndLost[]): Lifecycle {
  const { endLost: _old, ...rest } = s;
  return endLost.length > 0 ? { ...rest, endLost } : rest;
}

const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);

/**
 * A trial found in grubenv, adopted as an attempt: it continues the open attempt it belongs to (a
 * migrated one, or one whose activation the log lost), else starts a new one.
 */
function adoptTrial(s: Lifecycle, d: Extract<StoredEvent, { type: 'TrialAdopted' }>['data'], attempt: string, boot: string, at: number): Lifecycle {
  const continuing = attempt === s.attemptId;
  return {
    ...s, phase: 'activated', attemptId: attempt, slotsKnown: true, healthCheckFailures: 0, lastError: undefined,
    toSlot: d.slot, fromSlot: d.previousSlot,
    toVersion: continuing ? s.toVersion ?? d.version ?? undefined : d.version ?? undefined,
    fromVersion: continuing ? s.fromVersion ?? d.fallback.version ?? undefined : d.fallback.version ?? undefined,
    startedAt: continuing ? s.startedAt ?? at : at,
    attemptCount: continuing ? s.attemptCount : 1,
    toArtifacts: d.artifacts,
    trial: { slot: d.slot, boot, counter: d.bootCounter, version: d.version, artifacts: d.artifacts },
    verified: d.fallback.version ? withVerified(s, d.previousSlot, { version: d.fallback.version, artifacts: d.fallback.artifacts, by: 'adopted' }) : s.verified,
  };
}

/** The Go agent's state.json as our lifecycle (what `Migrated` carries). Unknown values are dropped. */
function fromUpstream(s: Lifecycle, u: Record<string, unknown>, id: string): Lifecycle {
  const phase = (PHASES as readonly string[]).includes(u.phase as string) ? (u.phase as Phase) : 'idle';
  // Go cannot omit an empty time.Time: it writes year 1 for "never".
  const started = typeof u.started_at === 'string' && !u.started_at.startsWith('0001-') ? Date.parse(u.started_at) : NaN;
  const count = Number(u.attempt_count);
  const failures = Number(u.health_check_failures);
  return {
    ...s, phase, attemptId: phase === 'idle' ? undefined : id,
    fromVersion: str(u.from_version), toVersion: str(u.to_version), lastError: str(u.last_error),
    startedAt: Number.isFinite(started) && started > 0 ? started : undefined,
    attemptCount: Number.isSafeInteger(count) && count >= 0 ? count : 0,
    healthCheckFailures: Number.isSafeInteger(failures) && failures >= 0 ? failures : 0,
  };
}
