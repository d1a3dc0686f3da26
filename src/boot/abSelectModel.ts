/**
 * deploy/grub/ab-select.cfg in TypeScript: what GRUB boots and how it leaves the environment
 * block, for a given block. Pure. test/boot/abSelect.test.ts proves it equal to real GRUB over
 * every state; the demo and fast test loops use it instead of grub-emu.
 */
import type { Slot } from '../../events/types.js';

/** The three variables as GRUB's load_env sees them; null = not in the block (or no block). */
export interface AbVars { active_slot: string | null; boot_counter: string | null; boot_success: string | null }

export interface AbBoot {
  slot: Slot;
  /** The variables save_env wrote, or null when the block was left alone. */
  saved: Partial<Record<keyof AbVars, string>> | null;
}

const NEXT_COUNT: Record<string, string> = { '3': '2', '2': '1', '1': '0' };

export function abSelect(v: AbVars | null): AbBoot {
  const active = v?.active_slot === 'A' || v?.active_slot === 'B' ? v.active_slot : null;
  if (!v || !active) return { slot: 'A', saved: null };
  if (v.boot_success === '1') return { slot: active, saved: null };
  const next = v.boot_counter === null ? undefined : NEXT_COUNT[v.boot_counter];
  if (next !== undefined) return { slot: active, saved: { boot_counter: next } };
  const other: Slot = active === 'A' ? 'B' : 'A';
  return { slot: other, saved: { active_slot: other, boot_success: '1', boot_counter: '3' } };
}
