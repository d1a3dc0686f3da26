import { decideAcceptLoss } from '../domain/loss.js';
import { lossRange } from '../../projections/loss.js';
import { unacceptedLosses } from '../../projections/node.js';
import { EXIT, usage } from '../errors.js';
import type { Command } from './command.js';
import { withSession } from '../session/writer.js';

export const repair: Command = {
  name: 'repair',
  usage: 'repair --accept-loss [--reason TEXT]',
  help: `When the log holds less than it had vouched for (its checkpoint recorded a later seq or
another head, or a segment's name proves a seq that is gone), the first writer command records
LogLost: the lost range, the head the evidence recorded, where the evidence came from, and what the
checkpoint still knew (rejected releases, the verified release per slot, an open trial), so rollbacks
and the post-boot healthcheck keep working. Until an operator acknowledges the loss, 'verify'
exits 1, 'status' and 'serve' show it, and 'apply' refuses (exit 3).

  --accept-loss   record LossAccepted for every loss not yet acknowledged (names their seqs)
  --reason TEXT   why, kept in the event (e.g. "SD card replaced; history in the fleet archive")

Nothing is rewritten or deleted: the lost range stays a gap in the log, explained by its LogLost
event. With no unacknowledged loss this records nothing and says so (exit 0).

Exit codes: 0 acknowledged, or nothing to acknowledge · 2 without --accept-loss · 75 busy.

Example:
  kubesolo-update status            # shows the loss
  kubesolo-update history           # what is left, and what was carried over
  kubesolo-update repair --accept-loss --reason "restored from backup after disk failure"`,
  options: { 'accept-loss': { type: 'boolean' }, reason: { type: 'string' } },
  async run({ values }, ctx) {
    if (values['accept-loss'] !== true) throw usage("nothing to do: 'repair --accept-loss' acknowledges a lost log range (see 'kubesolo-update repair --help')");
    return withSession(ctx, async (s) => {
      const d = decideAcceptLoss(unacceptedLosses(s.state.node), ctx.invocation, values.reason as string | undefined);
      await s.append(d.events);
      const ranges = d.accepted.map(lossRange);
      ctx.out(ctx.json
        ? JSON.stringify({ accepted: d.accepted.map((l) => ({ seq: l.seq, from: l.from, to: l.to, evidence: l.evidence })) })
        : ranges.length === 0 ? 'no lost log range to acknowledge' : `acknowledged the loss of ${ranges.join(', ')}; apply is allowed again`);
      return EXIT.OK;
    });
  },
};
