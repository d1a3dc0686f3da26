/**
 * What the running system says about booting, read live: the booted slot (kernel command line)
 * and the three variables of the GRUB environment block. Readers only look; nothing is written.
 */
import { readFileSync } from 'node:fs';
import type { Slot } from '../../events/types.js';
import type { BootFacts } from '../../projections/statusView.js';
import type { EnvVars } from '../domain/reconcile.js';
import { bootedSlot } from './cmdline.js';
import { parseGrubenv } from './grubenv.js';
import { readGrubenvFile } from './grubenvFile.js';

export function readBootedSlot(cmdlinePath: string): Slot | null {
  try {
    return bootedSlot(readFileSync(cmdlinePath, 'utf8'));
  } catch {
    return null;
  }
}

const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);

/** The three boot variables of a block (numbers as numbers; null when absent or not a number). */
export function envVars(block: Buffer, file: string): EnvVars {
  const m = new Map(parseGrubenv(block, file));
  return { active_slot: m.get('active_slot') ?? null, boot_counter: num(m.get('boot_counter')), boot_success: num(m.get('boot_success')) };
}

/** The boot variables as status shows them (numbers as numbers); null fields when the block cannot be read. */
export function readBootFacts(paths: { cmdline: string; grubenv: string }, warn?: (msg: string) => void): BootFacts {
  const booted = readBootedSlot(paths.cmdline);
  try {
    return { booted, grubenv: envVars(readGrubenvFile(paths.grubenv), paths.grubenv) };
  } catch (err) {
    warn?.(`warning: ${(err as Error).message}`);
    return { booted, grubenv: null };
  }
}
