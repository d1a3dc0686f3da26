import { crashPoint } from '../../events/crashPoint.js';
import type { Slot } from '../../events/types.js';
import { readBootedSlot } from '../boot/bootFacts.js';
import { envVars } from '../boot/bootFacts.js';
import { slotStore } from '../boot/facts.js';
import { setAll } from '../boot/grubenv.js';
import { readGrubenvFile, writeGrubenvFile } from '../boot/grubenvFile.js';
import { bootable, type SlotStore } from '../boot/slots.js';
import { decideRollback, type Bootability } from '../domain/boot.js';
import type { NodeView } from '../../projections/node.js';
import { AgentError, usage } from '../errors.js';
import type { Command } from './command.js';
import { withWriter } from './openLog.js';

async function bootability(store: SlotStore, node: NodeView): Promise<Record<Slot, Bootability>> {
  return { A: await bootable(store, 'A', node.stagedArtifacts.A), B: await bootable(store, 'B', node.stagedArtifacts.B) };
}

export const rollback: Command = {
  name: 'rollback',
  summary: 'point the bootloader back at the other slot',
  usage: 'rollback [--to A|B] [--reason TEXT]',
  help: `Points GRUB at another slot as a verified boot (active_slot=<slot>, boot_counter=3,
boot_success=1) and records RolledBack {by: "manual"}. With a switch pending (grubenv points at a
slot that is not the one running), it goes back to the running slot, cancelling the switch;
otherwise to the other slot. --to names the slot. The target must be bootable; there is no
override. Pointing at where GRUB already points changes nothing and says so. Never reboots.

  --to A|B        the slot to boot next
  --reason TEXT   recorded with the rollback (default "manual rollback")

Exit codes: 0 done or nothing to do · 3 refused · 1 grubenv unreadable or unwritable · 75 busy.`,
  options: { to: { type: 'string' }, reason: { type: 'string' } },
  async run({ values }, ctx) {
    const to = values.to as string | undefined;
    if (to !== undefined && to !== 'A' && to !== 'B') throw usage(`--to takes A or B, not ${JSON.stringify(to)}`);
    const reason = (values.reason as string | undefined) ?? 'manual rollback';
    return withWriter(ctx, async (log, state) => {
      const { lifecycle: l, node } = state.projections;
      const store = slotStore(ctx);
      const block = readGrubenvFile(ctx.paths.grubenv);
      const slots = await bootability(store, node);
      const d = decideRollback(l, readBootedSlot(ctx.paths.cmdline), envVars(block, ctx.paths.grubenv), (to as Slot | undefined) ?? null, (s) => slots[s]);
      if ('refused' in d) throw new AgentError('REFUSED', d.refused);
      if ('nothing' in d) {
        ctx.out(ctx.json ? JSON.stringify({ changed: false, message: d.nothing }) : d.nothing);
        return 0;
      }
      const open = l.phase === 'staged' || l.phase === 'activated' || l.phase === 'verifying' || l.phase === 'success';
      const attempt = open ? l.attemptId : undefined;
      await log.append([{ type: 'Intent', attempt, data: { action: 'rollback', slot: d.target, by: 'manual', reason } }]);
      crashPoint('rollback.after-intent');
      writeGrubenvFile(ctx.paths.grubenv, setAll(block, { active_slot: d.target, boot_counter: 3, boot_success: 1 }, ctx.paths.grubenv));
      crashPoint('rollback.after-grubenv');
      await log.append([{ type: 'RolledBack', attempt, data: { by: 'manual', reason, fromSlot: d.from, toSlot: d.target } }]);
      ctx.out(ctx.json
        ? JSON.stringify({ changed: true, to: d.target, from: d.from })
        : `slot ${d.target} boots next (as a verified boot). Nothing was rebooted; reboot when ready.`);
      return 0;
    });
  },
};
