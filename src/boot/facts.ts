/**
 * The live facts the boot commands and reconciliation decide on, read in one place: boot id,
 * booted slot, the GRUB environment block, the slots.
 */
import type { Slot } from '../../events/types.js';
import type { ReconcileFacts, EnvVars } from '../domain/reconcile.js';
import type { CliContext } from '../commands/command.js';
import { readBootId } from '../../events/bootId.js';
import { envVars, readBootedSlot } from './bootFacts.js';
import { readGrubenvFile } from './grubenvFile.js';
import { SLOTS, dirSlots, partitionSlots, slotVersion, type SlotStore } from './slots.js';

/** The boot id stamped on events: the sandbox's under --root when it has one, else the kernel's. */
export function eventBootId(root: string): string {
  return readBootId(root) ?? readBootId('/') ?? 'unknown';
}

/** The slot store: directories under --root, partitions by label on a node; --slots chooses. */
export function slotStore(ctx: CliContext): SlotStore {
  const kind = ctx.slots ?? (ctx.paths.root !== '/' ? 'dir' : 'partitions');
  return kind === 'dir' ? dirSlots(ctx.paths.root) : partitionSlots();
}

export function readEnv(ctx: CliContext): EnvVars | null {
  try {
    return envVars(readGrubenvFile(ctx.paths.grubenv), ctx.paths.grubenv);
  } catch {
    return null;
  }
}

/**
 * The facts reconciliation needs. Slot versions are read only on a new boot (the BootObserved
 * records them), so an ordinary command never mounts anything.
 */
export async function readFacts(ctx: CliContext, newBoot: (bootId: string) => boolean): Promise<ReconcileFacts> {
  const bootId = eventBootId(ctx.paths.root);
  const versions: Partial<Record<Slot, string>> = {};
  const booted = readBootedSlot(ctx.paths.cmdline);
  const env = readEnv(ctx);
  if (newBoot(bootId) && (booted !== null || env !== null)) {
    const store = slotStore(ctx);
    for (const s of SLOTS) {
      try {
        const v = await slotVersion(store, s);
        if (v) versions[s] = v;
      } catch { /* a slot we cannot read has no version to record */ }
    }
  }
  return { bootId, booted, env, versions };
}
