import { systemClock } from '../../events/systemClock.js';
import { statusJson, statusText } from '../../projections/statusView.js';
import type { Command } from './command.js';
import { logFacts, readProjections } from './openLog.js';

export const status: Command = {
  name: 'status',
  summary: 'slots, boot environment, the current attempt and the log position',
  usage: 'status [--json]',
  help: `Shows what the log says about this node: the version in each slot, the boot environment,
the last attempt and its outcome, the current phase (an "Update Lifecycle" section when it is not
idle), and the log's last seq and head hash. Reads only: no lock, no mount, no file written.

--json prints one object with the keys slots, boot, pending, state (the state.json object),
last_attempt and log. Scripts may rely on them: keys are added, never renamed.
Slot and boot-environment fields are null until this agent reads grubenv and the kernel command line.`,
  options: {},
  async run(_args, ctx) {
    const loaded = readProjections(ctx);
    const s = statusJson(loaded.projections, { booted: null, grubenv: null }, logFacts(ctx, loaded), systemClock());
    ctx.out(ctx.json ? JSON.stringify(s) : statusText(s));
    return 0;
  },
};
