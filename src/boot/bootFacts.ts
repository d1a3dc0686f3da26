/**
 * What the running system says about booting, read live: the booted slot (kernel command line)
 * and the three variables of the GRUB environment block. Readers only look; nothing is written.
 */
import { readFileSync } from 'node:fs';
import type { Slot } from '../../events/types.js';
import type { BootFacts } from '../../projections/statusView.js';
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

const num = (v: string | undefined) => (v === undefined ? null : /^\d+$/.test(v) ? Number(v) : null);

/** The boot variables as status shows them (numbers as numbers); null fields when the block cannot be read. */
export function readBootFacts(paths: { cmdline: string; grubenv: string }, warn?: (msg: string) => void): BootFacts {
  const booted = readBootedSlot(paths.cmdline);
  try {
    const vars = new Map(parseGrubenv(readGrubenvFile(paths.grubenv), paths.grubenv));
    return {
      booted,
      grubenv: { active_slot: vars.get('active_slot') ?? null, boot_counter: num(vars.get('boot_counter')), boot_success: num(vars.get('boot_success')) },
    };
  } catch (err) {
    warn?.(`warning: ${(err as Error).message}`);
    return { booted, grubenv: null };
  }
}
