/**
 * The event catalogue of DESIGN.md §2: one discriminated union, one schema version per type.
 * Pure types and constants only; nothing here touches the file system.
 */

export type Slot = 'A' | 'B';

export interface CheckResult { name: string; ok: boolean; ms: number; detail?: string }
export interface ArtifactRecord { name: 'vmlinuz' | 'kubesolo-os.gz'; sha256: string; bytes: number }
/** The three boot variables as read from grubenv (numbers as numbers; null when absent or not a number). */
export interface BootVars { active_slot: string | null; boot_counter: number | null; boot_success: number | null }
/** Every grubenv write sits between an Intent with one of these actions and its outcome. */
export type IntentAction = 'activate' | 'rollback' | 'mark-good' | 'bootenv';

/** The payload of each event type, keyed by its type string (the names are the contract). */
export interface EventDataByType {
  /** `statement`: the signed statement accepted with this check — the log keeps the highest serial per key. */
  UpdateChecked: { current: string; latest?: string; available: boolean; error?: string; statement?: { key: string; serial: number } };
  UpdateDeferred: { reason: string };
  AttemptStarted: { fromVersion: string; fromSlot: Slot; toVersion: string; toSlot: Slot; source: string };
  MetadataFetched: {
    version: string; channel?: string; architecture?: string; minCompatibleVersion?: string;
    artifacts: ArtifactRecord[]; signed: boolean;
    /** The serial of the signed statement these fields were read from. */
    serial?: number;
  };
  DownloadStarted: { artifact: string; url: string; bytesExpected?: number; resumeFrom?: number };
  DownloadProgress: { artifact: string; bytes: number };
  ArtifactVerified: {
    artifact: string; bytes: number; sha256: string;
    authenticatedBy: 'metadata-signature' | 'artifact-signature' | 'none';
  };
  Staged: { slot: Slot; version: string; artifacts: ArtifactRecord[] };
  /** `checks`: for mark-good, the checks that passed, so a recovered outcome still has them. */
  Intent: { action: IntentAction; slot: Slot; by?: 'manual' | 'auto'; reason?: string; checks?: CheckResult[] };
  Activated: { slot: Slot; previousSlot: Slot; recovered?: boolean };
  BootObserved: {
    slot: Slot | null; bootCounter: number | null; bootSuccess: number | null;
    versions: Partial<Record<Slot, string>>; inferred?: boolean;
    /** grubenv's ab_select_version: which GRUB script ran (null: not ours, or not run since the block was written). */
    script?: string | null;
  };
  HealthcheckStarted: Record<string, never>;
  /** `markedGood: false` with `error`: the checks passed, but marking the boot good failed or was refused. */
  HealthcheckPassed: { checks: CheckResult[]; markedGood: boolean; recovered?: boolean; error?: string };
  /**
   * `interrupted`: the checking process died (reconciliation) or stopped on `signal` (SIGINT,
   * SIGTERM); the trial goes back to activated, nothing counted.
   */
  HealthcheckFailed: { checks: CheckResult[]; consecutiveFailures: number; interrupted?: boolean; signal?: string };
  RolledBack: { by: 'manual' | 'bootloader' | 'auto'; reason: string; fromSlot: Slot; toSlot: Slot; recovered?: boolean };
  /** `signal`: with step "interrupted", the SIGINT or SIGTERM the writer stopped on (absent: the process died). */
  AttemptFailed: { step: string; error: string; gate?: string; signal?: string };
  IntentAbandoned: { action: IntentAction; slot: Slot };
  /** The effect of an Intent failed: the error, and what grubenv held when read back after it. */
  IntentFailed: { action: IntentAction; slot: Slot; error: string; observed: BootVars | null };
  /** A slot recorded as holding a verified release without a health check on this node: found good on first run, migrated, or written by bootenv init. */
  Provisioned: { slot: Slot; version: string | null; artifacts: ArtifactRecord[]; how: 'found' | 'migrated' | 'bootenv' };
  /**
   * grubenv shows a trial (boot_success=0) the log had no open attempt for (a migrated Go attempt,
   * a lost log range): it is adopted as an attempt, and ends like one. `fallback` is what the
   * other slot holds: GRUB boots it, as verified, if the trial fails.
   */
  TrialAdopted: {
    slot: Slot; previousSlot: Slot; bootCounter: number; version: string | null; artifacts: ArtifactRecord[];
    fallback: { version: string | null; artifacts: ArtifactRecord[] }; reason: string;
  };
  /** bootenv init wrote a complete GRUB environment block. */
  BootEnvInitialized: { slot: Slot; bootCounter: number; bootSuccess: 0 | 1; mode: 'continue-trial' | 'verified' | 'provisioned'; replaced: string };
  LogRepaired: { segment: string; droppedBytes: number; reason: string; quarantined: string };
  /**
   * Acknowledged events `from`..`to` are gone: the log held less than it had vouched for (its
   * checkpoint, or a segment's name). When the log ended early this is the first record of a new
   * segment based at `to + 1`, so no seq is ever used twice. `lostHead`: the hash the evidence
   * recorded for seq `to`. `carried`: what the evidence still knew (the checkpoint's projections).
   */
  LogLost: { from: number; to: number; lostHead: string | null; evidence: string; reason: string; carried?: Record<string, unknown> };
  /** An operator acknowledged the losses recorded at these seqs (`repair --accept-loss`). */
  LossAccepted: { losses: number[]; by: string; reason?: string };
  Migrated: { state: Record<string, unknown>; activeSlot: Slot | null };
  OperatorNote: { text: string };
}

export type EventType = keyof EventDataByType;

/** The current schema version of every known type. Bump one and add an upcaster when a payload changes shape. */
export const CURRENT_VERSION: { readonly [T in EventType]: number } = {
  UpdateChecked: 1, UpdateDeferred: 1, AttemptStarted: 1, MetadataFetched: 1, DownloadStarted: 1,
  DownloadProgress: 1, ArtifactVerified: 1, Staged: 1, Intent: 1, Activated: 1, BootObserved: 1,
  HealthcheckStarted: 1, HealthcheckPassed: 1, HealthcheckFailed: 1, RolledBack: 1, AttemptFailed: 1,
  IntentAbandoned: 1, LogRepaired: 1, Migrated: 1, OperatorNote: 1,
  IntentFailed: 1, Provisioned: 1, TrialAdopted: 1, BootEnvInitialized: 1, LogLost: 1, LossAccepted: 1,
};

export const EVENT_TYPES = Object.keys(CURRENT_VERSION) as EventType[];

export function isKnownType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(CURRENT_VERSION, type);
}

/** What the log stores and replays for every event (DESIGN.md §2). `at` is epoch milliseconds. */
export interface Envelope<T extends string = string, D = unknown> {
  seq: number;
  type: T;
  v: number;
  at: number;
  boot: string;
  attempt?: string;
  data: D;
}

/** A known event in its current shape. */
export type AgentEvent = { [T in EventType]: Envelope<T, EventDataByType[T]> }[EventType];

/** An event this version does not understand (a future type or a newer `v`): carried through untouched. */
export type ForeignEvent = Envelope<string, Record<string, unknown>> & { foreign: true };

export type StoredEvent = AgentEvent | ForeignEvent;

/** What a caller hands to `append`: the log adds seq, v, at and boot. */
export type NewEvent = { [T in EventType]: { type: T; data: EventDataByType[T]; attempt?: string } }[EventType];

export function isForeign(e: StoredEvent): e is ForeignEvent {
  return (e as ForeignEvent).foreign === true;
}
