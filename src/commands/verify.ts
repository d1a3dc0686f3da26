import type { VerifyReport } from '../../events/verify.js';
import { EXIT } from '../errors.js';
import { checkpointMismatch } from '../persist/store.js';
import type { Command } from './command.js';
import { describeProblem, openReader } from '../session/readers.js';

function human(r: VerifyReport, dir: string): string {
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

Exit codes: 0 clean · 1 corruption found (each problem listed with segment, offset and reason).`,
  options: {},
  async run(_args, ctx) {
    const log = await openReader(ctx);
    const report = log.verify();
    const behind = checkpointMismatch(ctx.paths.dataDir);
    if (behind) Object.assign(report, { ok: false, problems: [...report.problems, behind] });
    ctx.out(ctx.json ? JSON.stringify(report) : human(report, log.eventsDir));
    if (report.ok) return EXIT.OK;
    // The report is already on stdout (a single JSON document with --json), so no error object follows it.
    ctx.warn(`log is corrupt: ${report.problems.length} problem(s), first: ${describeProblem(report.problems[0])}`);
    return EXIT.FAILED;
  },
};
