import { decideActivate } from '../domain/boot.js';
import { isRefusal } from '../domain/plan.js';
import { withSession } from '../session/writer.js';
import type { Command } from './command.js';

export const activate: Command = {
  name: 'activate',
  usage: 'activate',
  help: `Makes the staged slot boot next, on trial: grubenv gets active_slot=<slot>, boot_counter=3,
boot_success=0. The new slot must then pass a health check (kubesolo-update healthcheck) within
three boots; otherwise GRUB falls back to the slot running now by itself. Never reboots.

Only from phase staged, only onto a slot that is bootable (its version file present, its files
matching the SHA-256 recorded when it was staged), and only while GRUB boots the running slot as
verified, so the trial has a verified fallback. There is no override.

Run again while the switch is pending, it says so and changes nothing (exit 0).

Exit codes: 0 activated (or already) · 3 refused (nothing staged, slot not bootable, booted slot
unknown, grubenv missing or incomplete, no verified fallback) · 1 grubenv could not be written
(recorded as IntentFailed) · 75 busy.`,
  options: {},
  async run(_args, ctx) {
    return withSession(ctx, async (s) => {
      const d = decideActivate(s.state, s.facts);
      if (isRefusal(d)) return s.refuse(d);
      if ('already' in d) {
        ctx.out(ctx.json ? JSON.stringify({ activated: d.already, already: true }) : `slot ${d.already} already boots next, on trial; nothing changed. Reboot when ready.`);
        return 0;
      }
      await s.run(d.steps);
      const version = s.facts.slots[d.slot]?.version ?? null;
      ctx.out(ctx.json
        ? JSON.stringify({ activated: d.slot, version, previous: d.previousSlot, boot_counter: 3 })
        : `slot ${d.slot}${version ? ` (${version})` : ''} boots next, on trial: it must pass a health check within 3 boots, or GRUB falls back to slot ${d.previousSlot}.\nNothing was rebooted; reboot when ready.`);
      return 0;
    }, { facts: (p) => ({ hash: p.lifecycle.toSlot ? [p.lifecycle.toSlot] : [] }) });
  },
};
