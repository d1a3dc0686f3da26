/**
 * deploy/grub/ab-select.cfg in TypeScript: what GRUB boots and how it leaves the environment
 * block, for a given block. Pure. test/boot/abSelect.test.ts proves it equal to real GRUB over
 * every state; the demo and fast test loops use it instead of grub-emu.
 */
import type { Slot } from '../../events/types.js';
import { SCRIPT_MARKER, SCRIPT_VERSION } from '../domain/facts.js';

/** The variables as GRUB's load_env sees them; null = not in the block (or no block). */
export interface AbVars { active_slot: string | null; boot_counter: string | null; boot_success: string | null; ab_select_version?: string | null }

export interface AbBoot {
  slot: Slot;
  /** The variables save_env wrote, in the order it wrote them, or null when the block was left alone. */
  saved: Record<string, string> | null;
}

const NEXT_COUNT: Record<string, string> = { '3': '2', '2': '1', '1': '0' };

export function abSelect(v: AbVars | null): AbBoot {
  const active = v?.active_slot === 'A' || v?.active_slot === 'B' ? v.active_slot : null;
  if (!v || !active) return { slot: 'A', saved: null };
  // Its mark, saved first (GRUB's save_env order decides where a new line goes).
  const mark: Record<string, string> = v.ab_select_version === SCRIPT_VERSION ? {} : { [SCRIPT_MARKER]: SCRIPT_VERSION };
  if (v.boot_success === '1') return { slot: active, saved: Object.keys(mark).length ? mark : null };
  const next = v.boot_counter === null ? undefined : NEXT_COUNT[v.boot_counter];
  if (next !== undefined) return { slot: active, saved: { ...mark, boot_counter: next } };
  const other: Slot = active === 'A' ? 'B' : 'A';
  return { slot: other, saved: { ...mark, active_slot: other, boot_success: '1', boot_counter: '3' } };
}

/** The variables abSelect reads, from a parsed block. */
export function abVarsOf(vars: Map<string, string>): AbVars {
  const get = (k: string) => vars.get(k) ?? null;
  return { active_slot: get('active_slot'), boot_counter: get('boot_counter'), boot_success: get('boot_success'), ab_select_version: get(SCRIPT_MARKER) };
}
