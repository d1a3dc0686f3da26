/**
 * grubenv as the log last recorded it: read at a boot (BootObserved), written by the agent
 * (Activated, a boot marked good, RolledBack, bootenv init, an adopted trial), read back after
 * a write that failed (IntentFailed), or taken over from the Go agent (Migrated). This is what
 * `status --at` shows for a past moment: the block on the machine now says nothing about then.
 * Pure fold; `seq` says which event recorded it.
 */
import type { StoredEvent } from '../events/types.js';

export interface RecordedEnv {
  active_slot: string | null;
  boot_counter: number | null;
  boot_success: number | null;
  /** ab_select_version as the last boot saw it (which GRUB script ran); null when not recorded. */
  script: string | null;
  seq: number;
}

/** The trial boots every activation and rollback writes (src/domain/facts.ts TRIAL_BOOTS; lifecycle.ts counts from it too). */
const TRIAL_BOOTS = 3;

type Vars = Pick<RecordedEnv, 'active_slot' | 'boot_counter' | 'boot_success'>;

export function evolveRecordedEnv(r: RecordedEnv | null, e: StoredEvent): RecordedEnv | null {
  if ('foreign' in e) return r;
  const set = (vars: Partial<Vars>, script = r?.script ?? null): RecordedEnv => ({
    active_slot: r?.active_slot ?? null, boot_counter: r?.boot_counter ?? null, boot_success: r?.boot_success ?? null,
    ...vars, script, seq: e.seq,
  });
  switch (e.type) {
    case 'BootObserved': {
      const d = e.data;
      if (d.inferred) return r;
      const script = d.script === undefined ? r?.script ?? null : d.script;
      // GRUB boots active_slot (a fallback rewrites it first), so the slot booted is the one the
      // block named; a block that could not be read recorded nothing.
      if (d.bootCounter === null && d.bootSuccess === null) return set({ active_slot: null, boot_counter: null, boot_success: null }, script);
      return set({ active_slot: d.slot, boot_counter: d.bootCounter, boot_success: d.bootSuccess }, script);
    }
    case 'Activated':
      return set({ active_slot: e.data.slot, boot_counter: TRIAL_BOOTS, boot_success: 0 });
    case 'HealthcheckPassed':
      return e.data.markedGood ? set({ boot_success: 1 }) : r;
    case 'RolledBack':
      return set({ active_slot: e.data.toSlot, boot_counter: TRIAL_BOOTS, boot_success: 1 });
    case 'BootEnvInitialized':
      return set({ active_slot: e.data.slot, boot_counter: e.data.bootCounter, boot_success: e.data.bootSuccess });
    case 'TrialAdopted':
      return set({ active_slot: e.data.slot, boot_counter: e.data.bootCounter, boot_success: 0 });
    case 'IntentFailed':
      return e.data.observed ? set({ ...e.data.observed }) : r;
    case 'Migrated':
      return e.data.activeSlot ? set({ active_slot: e.data.activeSlot }) : r;
    default:
      return r;
  }
}
