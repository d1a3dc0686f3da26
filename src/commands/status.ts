import { systemClock } from '../../events/systemClock.js';
import { statusJson, statusText } from '../../projections/statusView.js';
import { readBootFacts } from '../boot/bootFacts.js';
import type { Command } from './command.js';
import { logFacts, readProjections } from '../session/readers.js';

export const status: Command = {
  name: 'status',
  usage: 'status [--json]',
  help: `Shows what the log says about this node: the version in each slot, the boot environment,
the last attempt and its outcome, the current phase (an "Update Lifecycle" section when it is not
idle), and the log's last seq and head hash. Reads only: no lock, no mount, no file written.

--json prints one object with the keys slots, boot, pending, state (the state.json object),
last_attempt and log. Scripts may rely on them: keys are added, never renamed.
The booted slot comes from the kernel command line (kubesolo.slot=); the boot fields are grubenv's
raw values (numbers as numbers), null when it cannot be read (with a warning on stderr).`,
  options: {},
  async run(_args, ctx) {
    const loaded = readProjections(ctx);
    const boot = readBootFacts(ctx.paths, loaded.projections.lifecycle, (m) => ctx.warn(m));
    const s = statusJson(loaded.projections, boot, logFacts(ctx, loaded), systemClock());
    ctx.out(ctx.json ? JSON.stringify(s) : statusText(s));
    return 0;
  },
};
