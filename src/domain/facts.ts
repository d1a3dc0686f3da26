/**
 * What the deciders know about the node besides the log: the boot (kernel command line, boot
 * id), the GRUB environment block, what the slots hold, and the time. Gathered by the shell
 * (src/session/facts.ts); here only the vocabulary and the pure readings of it.
 */
import type { ArtifactRecord, BootVars, Slot } from '../../events/types.js';

/** Boots a trial gets before GRUB falls back (ab-select.cfg counts 3, 2, 1, 0). */
export const TRIAL_BOOTS = 3;

/** The grubenv variable our ab-select.cfg sets, and the version of its rules it writes there. */
export const SCRIPT_MARKER = 'ab_select_version';
export const SCRIPT_VERSION = '1';

export const other = (s: Slot): Slot => (s === 'A' ? 'B' : 'A');

/**
 * The GRUB environment block as found: `ok` when it holds all three variables with values GRUB's
 * script acts on; `incomplete` when it parses but does not; `missing`; `unreadable` (garbage, a
 * wrong size, no permission). `problem` is the sentence for the operator, naming the file.
 */
export interface BootEnv {
  state: 'ok' | 'incomplete' | 'missing' | 'unreadable';
  vars: BootVars | null;
  /** ab_select_version: which GRUB script last ran; null when not ours (or not run since written). */
  script: string | null;
  problem: string | null;
  file: string;
}

/** What a slot holds: its version file and, when they were read, its artifacts' hashes; `problem` when it could not be read. */
export interface SlotContent { version: string | null; artifacts: ArtifactRecord[] | null; problem?: string }

export interface NodeFacts {
  now: number;
  bootId: string;
  /** From the kernel command line only; null when it names no slot. */
  booted: Slot | null;
  env: BootEnv;
  /** Each slot's content; null when it was not read for this decision. */
  slots: Record<Slot, SlotContent | null>;
  /** An id for an attempt started now (the shell makes it: time and pid). */
  newAttemptId: string;
  /** The Go agent's state.json, read only while the log is empty. */
  upstreamState: Record<string, unknown> | null;
}

/** A trial as grubenv states it: active_slot on trial (boot_success=0), and its fallback. */
export interface TrialFact { slot: Slot; fallback: Slot; counter: number }

export function isCompleteVars(v: BootVars | null): v is BootVars & { active_slot: Slot; boot_counter: number; boot_success: 0 | 1 } {
  return v !== null && (v.active_slot === 'A' || v.active_slot === 'B')
    && v.boot_counter !== null && v.boot_counter >= 0 && v.boot_counter <= TRIAL_BOOTS
    && (v.boot_success === 0 || v.boot_success === 1);
}

/** The trial grubenv says is on, or null (none, or the block cannot be trusted). */
export function trialIn(env: BootEnv): TrialFact | null {
  const v = env.vars;
  if (env.state !== 'ok' || !isCompleteVars(v) || v.boot_success !== 0) return null;
  return { slot: v.active_slot, fallback: other(v.active_slot), counter: v.boot_counter };
}

/** Whether the GRUB script that runs is ours: only ours leaves its marker in the block. */
export const ourScript = (env: BootEnv): boolean => env.script === SCRIPT_VERSION;

export type Holds = { ok: true } | { ok: false; reason: string };

/**
 * Whether a slot holds exactly these artifacts (and a version file): what makes it bootable as
 * staged, or still the release that was verified.
 */
export function holds(slot: Slot, content: SlotContent | null, expected: ReadonlyArray<ArtifactRecord>, recorded = 'recorded for it'): Holds {
  if (!content) return { ok: false, reason: `slot ${slot} was not read` };
  if (content.problem) return { ok: false, reason: content.problem };
  if (!content.version) return { ok: false, reason: `slot ${slot} has no version file: it holds no complete image` };
  for (const a of expected) {
    const have = content.artifacts?.find((x) => x.name === a.name);
    if (!have) return { ok: false, reason: `slot ${slot} is missing ${a.name}` };
    if (have.sha256 !== a.sha256) {
      return { ok: false, reason: `slot ${slot}: ${a.name} does not match the SHA-256 ${recorded} (${have.sha256.slice(0, 12)}… ≠ ${a.sha256.slice(0, 12)}…)` };
    }
  }
  return { ok: true };
}
