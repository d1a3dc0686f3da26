import type { VerifyReport } from '../../events/verify.js';
import { withSnakeKeys } from '../../projections/snakeKeys.js';
import { EXIT } from '../errors.js';
import { checkpointMismatch, loadProjections } from '../persist/store.js';
import type { Command } from './command.js';
import { describeProblem, openReader } from '../session/readers.js';
import { lossJson, lossRange, lossWarning } from '../../projections/loss.js';
import type { LossRecord } from '../../projections/node.js';

function lossLine(l: LossRecord): string {
  const state = l.accepted ? `acknowledged at seq ${l.accepted.seq} by ${l.accepted.by}` : 'NOT ACKNOWLEDGED (repair --accept-loss)';
  return `  ${lossRange(l)} lost, recorded at seq ${l.seq}: ${l.reason}; ${state}`;
}

function human(r: VerifyReport, dir: string, losses: LossRecord[]): string {
  const lines = [
    `log:      ${dir}`,
    r.segments === 0 ? 'segments: 0 (no event log here yet: nothing has been recorded)' : `segments: ${r.segments} (${r.bytes} bytes)`,
    `records:  ${r.records} holding ${r.events} events, last seq ${r.lastSeq}`,
    `head:     ${r.head ?? '(empty log)'}`,
  ];
  if (r.ok) lines.push('result:   clean: every record checksummed, in seq order, hash chain intact');
  else {
    lines.push(`result:   CORRUPT: ${r.problems.length} problem(s)`);
    for (const p of r.problems) lines.push(`  ${describeProblem(p)}`);
  }
  if (r.tail) lines.push(`torn tail: ${describeProblem(r.tail)}; the next writer command quarantines and removes it`);
  if (losses.length > 0) lines.push('lost:', ...losses.map(lossLine));
  return lines.join('\n');
}

export const verify: Command = {
  name: 'verify',
  usage: 'verify',
  help: `Reads every segment and record: CRC-32 of each record, seq numbers contiguous and in order,
and the SHA-256 chain linking each record to the one before (which catches a record edited even
with its CRC fixed up, removed, or reordered). The newest record has no successor to vouch for
it, so it is checked against the checkpoint every writer command leaves: the record the checkpoint
ends at must still be there with the same hash. Prints the head hash. Changes nothing, takes no lock.

A torn tail (an incomplete last record left by a crash) is reported but is not corruption: the
next writer command quarantines it under events/quarantine/ and records a LogRepaired event.

A log behind what it vouched for (the checkpoint's seq and head) has lost acknowledged events:
verify says so before any writer runs; the first writer records LogLost, and the gap it explains
is no longer corruption, but verify exits 1 until an operator acknowledges it ('repair
--accept-loss'). Acknowledged losses stay listed under "lost:".

Exit codes: 0 clean · 1 corruption found (each problem listed with segment, offset and reason), or
a lost range not yet acknowledged.`,
  options: {},
  async run(_args, ctx) {
    const log = await openReader(ctx);
    const report = log.verify();
    const losses = loadProjections(ctx.paths.dataDir).projections.node.losses; // problems are the report's own
    const behind = checkpointMismatch(ctx.paths.dataDir, losses);
    if (behind) Object.assign(report, { ok: false, problems: [...report.problems, behind] });
    const unaccepted = losses.filter((l) => l.accepted === null);
    const ok = report.ok && unaccepted.length === 0;
    ctx.out(ctx.json ? JSON.stringify(withSnakeKeys({ ...report, ok, losses: losses.map(lossJson) })) : human(report, log.eventsDir, losses));
    if (ok) return EXIT.OK;
    // The report is already on stdout (a single JSON document with --json), so no error object follows it.
    if (!report.ok) ctx.warn(`log is corrupt: ${report.problems.length} problem(s), first: ${describeProblem(report.problems[0])}`);
    for (const l of unaccepted) ctx.warn(lossWarning(l));
    return EXIT.FAILED;
  },
};
