import { decideBootEnvInit } from '../domain/bootenv.js';
import { isRefusal } from '../domain/plan.js';
import { usage } from '../errors.js';
import { withSession } from '../session/writer.js';
import type { Command } from './command.js';

const MODES = {
  'continue-trial': 'the open trial continues',
  verified: 'the running slot, verified on this node, boots as verified',
  provisioned: 'the running slot is recorded as provisioned and boots as verified',
} as const;

export const bootenv: Command = {
  name: 'bootenv',
  usage: 'bootenv init',
  help: `Writes the GRUB environment block (--grubenv, default /boot/grub/grubenv) when it is missing,
incomplete or not a block at all — never by guessing, always between an Intent and its outcome:
  - an open trial in the log: it continues (its slot, boot_success=0, the boot_counter the log
    last saw);
  - else the running slot, if this node verified the release it holds (byte for byte): it boots
    as verified (boot_success=1, boot_counter=3);
  - else, on a node whose log knows nothing about its slots: the running slot is recorded as
    provisioned (Provisioned) and boots as verified.
Anything else is refused (exit 3). A block that cannot be read is kept as <grubenv>.broken first.
A complete block is left alone (exit 0). Use this instead of 'grub-editenv FILE create', which
writes a block without active_slot: GRUB then boots slot A with no trial and no fallback.

Exit codes: 0 written or nothing to do · 3 refused · 1 the block could not be written (recorded) ·
75 busy.`,
  options: {},
  positionals: 1,
  async run({ positionals }, ctx) {
    if (positionals.length !== 1 || positionals[0] !== 'init') throw usage(`bootenv takes one action, init: kubesolo-update bootenv init`);
    return withSession(ctx, async (s) => {
      const d = decideBootEnvInit(s.state, s.facts);
      if (isRefusal(d)) return s.refuse(d);
      if ('nothing' in d) {
        ctx.out(ctx.json ? JSON.stringify({ written: false, message: d.nothing }) : d.nothing);
        return 0;
      }
      await s.run(d.steps);
      ctx.out(ctx.json
        ? JSON.stringify({ written: true, mode: d.mode, active_slot: d.slot, boot_counter: d.counter, boot_success: d.success })
        : `${ctx.paths.grubenv} written: active_slot=${d.slot} boot_counter=${d.counter} boot_success=${d.success} (${MODES[d.mode]}).`);
      return 0;
    }, { facts: (p, f) => ({ versions: true, hash: p.lifecycle.trial || f.env.state === 'ok' || !f.booted ? [] : [f.booted] }) });
  },
};
