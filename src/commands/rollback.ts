import type { Slot } from '../../events/types.js';
import { decideRollback, rollbackSlot } from '../domain/boot.js';
import { isRefusal } from '../domain/plan.js';
import { usage } from '../errors.js';
import { withSession } from '../session/writer.js';
import type { Command } from './command.js';

export const rollback: Command = {
  name: 'rollback',
  usage: 'rollback [--to A|B] [--reason TEXT]',
  help: `Points GRUB at another slot as a verified boot (active_slot=<slot>, boot_counter=3,
boot_success=1) and records RolledBack {by: "manual"}. With a switch pending (grubenv points at a
slot that is not the one running), it goes back to the running slot, cancelling the switch;
otherwise to the other slot. --to names the slot. The target must hold, byte for byte, a release
this node verified (it passed a health check here, or was recorded as provisioned or migrated);
there is no override. Pointing at where GRUB already points changes nothing and says so. Never
reboots.

  --to A|B        the slot to boot next
  --reason TEXT   recorded with the rollback (default "manual rollback")

Exit codes: 0 done or nothing to do · 3 refused · 1 grubenv could not be written (recorded as
IntentFailed) · 75 busy.`,
  options: { to: { type: 'string' }, reason: { type: 'string' } },
  async run({ values }, ctx) {
    const to = values.to as string | undefined;
    if (to !== undefined && to !== 'A' && to !== 'B') throw usage(`--to takes A or B, not ${JSON.stringify(to)}`);
    const reason = (values.reason as string | undefined) ?? 'manual rollback';
    return withSession(ctx, async (s) => {
      const d = decideRollback(s.state, s.facts, (to as Slot | undefined) ?? null, reason);
      if (isRefusal(d)) return s.refuse(d);
      if ('nothing' in d) {
        ctx.out(ctx.json ? JSON.stringify({ changed: false, message: d.nothing }) : d.nothing);
        return 0;
      }
      await s.run(d.steps);
      ctx.out(ctx.json
        ? JSON.stringify({ changed: true, to: d.target, from: d.from })
        : `slot ${d.target} boots next (as a verified boot). Nothing was rebooted; reboot when ready.`);
      return 0;
    }, { facts: (_p, f) => { const t = rollbackSlot(f, (to as Slot | undefined) ?? null); return { hash: t ? [t] : [] }; } });
  },
};
