/**
 * The live facts the boot commands and reconciliation decide on, read in one place: boot id,
 * booted slot, the GRUB environment block, the slots.
 */
import type { Slot } from '../../events/types.js';
import type { ReconcileFacts, EnvVars } from '../domain/reconcile.js';
import type { CliContext } from '../commands/command.js';
import { readBootId } from '../../events/bootId.js';
import { readBootedSlot } from './bootFacts.js';
import { parseGrubenv } from './grubenv.js';
import { readGrubenvFile } from './grubenvFile.js';
import { SLOTS, dirSlots, type SlotStore } from './slots.js';

/** The boot id stamped on events: the sandbox's under --root when it has one, else the kernel's. */
export function eventBootId(root: string): string {
  return readBootId(root) ?? readBootId('/') ?? 'unknown';
}

/** The slot store: directories under --root; partitions by label are not supported yet (null). */
export function slotStore(ctx: CliContext): SlotStore | null {
  return ctx.paths.root !== '/' ? dirSlots(ctx.paths.root) : null;
}

const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);

export function envVars(block: Buffer, file: string): EnvVars {
  const m = new Map(parseGrubenv(block, file));
  return { active_slot: m.get('active_slot') ?? null, boot_counter: num(m.get('boot_counter')), boot_success: num(m.get('boot_success')) };
}

export function readEnv(ctx: CliContext): EnvVars | null {
  try {
    return envVars(readGrubenvFile(ctx.paths.grubenv), ctx.paths.grubenv);
  } catch {
    return null;
  }
}

export function readFacts(ctx: CliContext): ReconcileFacts {
  const store = slotStore(ctx);
  const versions: Partial<Record<Slot, string>> = {};
  for (const s of SLOTS) {
    const v = store?.version(s);
    if (v) versions[s] = v;
  }
  return { bootId: eventBootId(ctx.paths.root), booted: readBootedSlot(ctx.paths.cmdline), env: readEnv(ctx), versions };
}
