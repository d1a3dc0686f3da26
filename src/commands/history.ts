import { goTime } from '../../projections/goTime.js';
import { historyJson, type AttemptJson } from '../../projections/historyView.js';
import { AgentError, usage } from '../errors.js';
import type { Command } from './command.js';
import { openReader, readProjections } from '../session/readers.js';

function duration(a: AttemptJson): string {
  if (!a.started_at || !a.ended_at) return '-';
  const s = Math.round((Date.parse(a.ended_at) - Date.parse(a.started_at)) / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
}

function table(attempts: AttemptJson[]): string {
  if (attempts.length === 0) return 'no update attempts recorded yet';
  const rows = attempts.map((a) => [
    a.id, `${a.from_version ?? '?'} -> ${a.to_version ?? '?'}`, a.started_at ?? '-', duration(a), a.outcome,
    a.rollback ? `rolled back (${a.rollback.by}): ${a.rollback.reason}` : a.failed_step ? `${a.failed_step}: ${a.error ?? ''}` : '',
  ]);
  const head = ['ATTEMPT', 'VERSIONS', 'STARTED', 'TOOK', 'OUTCOME', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return Infinity;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw usage(`--limit takes a whole number of attempts (1 or more), not ${JSON.stringify(raw)}`);
  return n;
}

export const history: Command = {
  name: 'history',
  usage: 'history [--json] [--limit N] [--attempt ID]',
  help: `Lists every update attempt recorded in the log, newest first: versions, start, duration,
outcome (success, failed, rolled_back, open) and why it failed or was rolled back.

  --limit N      only the newest N attempts
  --attempt ID   one attempt in full: its record, then every event of it in order
  --json         {"attempts": [{id, from_version, to_version, from_slot, to_slot, started_at, ended_at,
                 outcome, failed_step, error, rollback, boots, healthchecks, phases}]}

Reads only. Exit codes: 0 · 1 no attempt with that ID · 2 bad flag.`,
  options: { limit: { type: 'string' }, attempt: { type: 'string' } },
  async run({ values }, ctx) {
    const limit = parseLimit(values.limit);
    const loaded = readProjections(ctx);
    const all = historyJson(loaded.projections.history).attempts;
    const id = values.attempt as string | undefined;
    if (id === undefined) {
      const attempts = all.slice(0, limit);
      ctx.out(ctx.json ? JSON.stringify({ attempts }) : table(attempts));
      return 0;
    }
    const one = all.find((a) => a.id === id);
    if (!one) throw new AgentError('FAILED', `no attempt ${JSON.stringify(id)} in the log; 'kubesolo-update history' lists them`);
    if (ctx.json) {
      ctx.out(JSON.stringify(one));
      return 0;
    }
    const log = await openReader(ctx);
    const lines = [table([one]), '', 'Timeline'];
    for await (const e of log.read()) {
      if (e.attempt === id) lines.push(`  ${goTime(e.at)}  #${e.seq}  ${e.type}  ${JSON.stringify(e.data)}`);
    }
    ctx.out(lines.join('\n'));
    return 0;
  },
};

