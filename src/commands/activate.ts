import { crashPoint } from '../../events/crashPoint.js';
import { bootable, slotVersion } from '../boot/slots.js';
import { readBootedSlot } from '../boot/bootFacts.js';
import { slotStore } from '../boot/facts.js';
import { setAll } from '../boot/grubenv.js';
import { readGrubenvFile, writeGrubenvFile } from '../boot/grubenvFile.js';
import { decideActivate } from '../domain/boot.js';
import { AgentError } from '../errors.js';
import type { Command } from './command.js';
import { withWriter } from './openLog.js';

export const activate: Command = {
  name: 'activate',
  summary: 'point the bootloader at the staged slot, on trial',
  usage: 'activate',
  help: `Makes the staged slot boot next, on trial: grubenv gets active_slot=<slot>, boot_counter=3,
boot_success=0. The new slot must then pass a health check (kubesolo-update healthcheck) within
three boots; otherwise GRUB falls back to the slot running now by itself. Never reboots.

Only from phase staged, and only onto a slot that is bootable: its version file present and its
files matching the SHA-256 recorded when it was staged. There is no override.

Run again while the switch is pending, it says so and changes nothing (exit 0).

Exit codes: 0 activated (or already) · 3 refused (nothing staged, slot not bootable, booted slot unknown) ·
1 the GRUB environment block could not be read or written · 75 busy.`,
  options: {},
  async run(_args, ctx) {
    return withWriter(ctx, async (log, state) => {
      const { lifecycle: l, node } = state.projections;
      const store = slotStore(ctx);
      const target = l.toSlot ? await bootable(store, l.toSlot, node.stagedArtifacts[l.toSlot]) : { ok: false as const, reason: 'no slot staged' };
      const d = decideActivate(l, readBootedSlot(ctx.paths.cmdline), target);
      if ('refused' in d) throw new AgentError('REFUSED', d.refused);
      if ('already' in d) {
        ctx.out(ctx.json ? JSON.stringify({ activated: d.already, already: true }) : `slot ${d.already} already boots next, on trial; nothing changed. Reboot when ready.`);
        return 0;
      }
      const block = readGrubenvFile(ctx.paths.grubenv);
      await log.append([{ type: 'Intent', attempt: l.attemptId, data: { action: 'activate', slot: d.slot } }]);
      crashPoint('activate.after-intent');
      writeGrubenvFile(ctx.paths.grubenv, setAll(block, { active_slot: d.slot, boot_counter: 3, boot_success: 0 }, ctx.paths.grubenv));
      crashPoint('activate.after-grubenv');
      await log.append([{ type: 'Activated', attempt: l.attemptId, data: { slot: d.slot, previousSlot: d.previousSlot } }]);
      const version = await slotVersion(store, d.slot);
      ctx.out(ctx.json
        ? JSON.stringify({ activated: d.slot, version, previous: d.previousSlot, boot_counter: 3 })
        : `slot ${d.slot}${version ? ` (${version})` : ''} boots next, on trial: it must pass a health check within 3 boots, or GRUB falls back to slot ${d.previousSlot}.\nNothing was rebooted; reboot when ready.`);
      return 0;
    });
  },
};
