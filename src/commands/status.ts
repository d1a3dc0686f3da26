import { systemClock } from '../../events/systemClock.js';
import { asOf, asOfLine, recordedBootFacts } from '../../projections/asOf.js';
import { statusJson, statusText } from '../../projections/statusView.js';
import { readBootFacts } from '../boot/bootFacts.js';
import { loadProjectionsUntil } from '../persist/loadUntil.js';
import type { Command } from './command.js';
import { checkBound, parseBound } from '../session/logBound.js';
import { logFacts, readProjections, warnCorrupt } from '../session/readers.js';

export const status: Command = {
  name: 'status',
  usage: 'status [--json] [--at TIME|SEQ]',
  help: `Shows what the log says about this node: the version in each slot, the boot environment,
the last attempt and its outcome, the current phase (an "Update Lifecycle" section when it is not
idle), and the log's last seq and head hash. Reads only: no lock, no mount, no file written.

--json prints one object with the keys slots, boot, pending, state (the state.json object),
last_attempt and log. Scripts may rely on them: keys are added, never renamed.
The booted slot comes from the kernel command line (kubesolo.slot=); the boot fields are grubenv's
raw values (numbers as numbers), null when it cannot be read (with a warning on stderr).

  --at SEQ|TIME  the node as it was at that point: the log folded from seq 1 up to event SEQ, or up
                 to the last event stamped at or before TIME (ISO-8601 with its zone, e.g.
                 2026-12-01T10:20:30Z); never the checkpoint. The booted slot and grubenv are the
                 values last recorded in the log by then, not read from this machine; the first
                 line (--json: the as_of key) names the seq and time shown. A TIME before the first
                 event shows the empty node; a SEQ past the end is exit 2, naming the last seq.`,
  options: { at: { type: 'string' } },
  async run({ values }, ctx) {
    const bound = parseBound('at', values.at);
    if (bound) {
      checkBound('at', bound, ctx.paths.dataDir);
      const then = loadProjectionsUntil(ctx.paths.dataDir, bound, { onProblem: warnCorrupt(ctx) });
      const when = asOf(bound, then.last);
      const s = statusJson(then.projections, recordedBootFacts(then.projections), then.log, 'time' in bound ? bound.time : systemClock());
      ctx.out(ctx.json ? JSON.stringify({ ...s, as_of: when }) : `${asOfLine(when, 'the node')}\n\n${statusText(s)}`);
      return 0;
    }
    const loaded = readProjections(ctx);
    const boot = readBootFacts(ctx.paths, loaded.projections.lifecycle, (m) => ctx.warn(m));
    const s = statusJson(loaded.projections, boot, logFacts(ctx, loaded), systemClock());
    ctx.out(ctx.json ? JSON.stringify(s) : statusText(s));
    return 0;
  },
};
