import { asOf, asOfLine } from '../../projections/asOf.js';
import { isPast } from '../../projections/bound.js';
import { historyDocument, historyJson, type AttemptJson } from '../../projections/historyView.js';
import { isoTime } from '../../projections/isoTime.js';
import { lossRange } from '../../projections/loss.js';
import type { LossRecord } from '../../projections/node.js';
import { AgentError, usage } from '../errors.js';
import { loadProjectionsUntil } from '../persist/loadUntil.js';
import type { Command } from './command.js';
import { checkBound, parseBound } from '../session/logBound.js';
import { openReader, readProjections, requireDataDir, warnCorrupt } from '../session/readers.js';

function duration(a: AttemptJson): string {
  if (!a.started_at || !a.ended_at) return '-';
  const s = Math.round((Date.parse(a.ended_at) - Date.parse(a.started_at)) / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
}

/** Columns padded to their widest cell; the last one is left ragged. */
function columns(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function table(attempts: AttemptJson[]): string {
  if (attempts.length === 0) return 'no update attempts recorded yet';
  return columns(['ATTEMPT', 'VERSIONS', 'STARTED', 'TOOK', 'OUTCOME', 'DETAIL'], attempts.map((a) => [
    a.id, `${a.from_version ?? '?'} -> ${a.to_version ?? '?'}`, a.started_at ?? '-', duration(a), a.outcome,
    a.rollback ? `rolled back (${a.rollback.by}): ${a.rollback.reason}` : a.failed_step ? `${a.failed_step}: ${a.error ?? ''}` : '',
  ]));
}

/** Lost log ranges under the table: the attempts there are missing, or carried from the checkpoint. */
function lossLines(losses: LossRecord[]): string[] {
  if (losses.length === 0) return [];
  return ['', 'Lost log ranges (attempts in them are missing, or carried over from the checkpoint)', ...losses.map((l) =>
    `  ${lossRange(l)}, recorded at seq ${l.seq}: ${l.reason}; ${l.accepted ? `acknowledged at seq ${l.accepted.seq}` : "NOT ACKNOWLEDGED: 'kubesolo-update repair --accept-loss' after review"}`)];
}

/** The boots an attempt got: observed by the agent, or inferred from the counter (their id never seen). */
function boots(a: AttemptJson): string {
  if (a.boots.length === 0) return '  none recorded';
  const rows = a.boots.map((b) => [b.at, b.boot_id ?? '-', b.slot ?? '-', String(b.boot_counter ?? '-'), String(b.boot_success ?? '-'), b.inferred ? 'inferred' : 'observed']);
  return columns(['AT', 'BOOT ID', 'SLOT', 'COUNTER', 'SUCCESS', 'SEEN'], rows).replace(/^/gm, '  ');
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return Infinity;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw usage(`--limit takes a whole number of attempts (1 or more), not ${JSON.stringify(raw)}`);
  return n;
}

export const history: Command = {
  name: 'history',
  usage: 'history [--json] [--limit N] [--attempt ID] [--until TIME|SEQ]',
  help: `Lists every update attempt recorded in the log, newest first: versions, start, duration,
outcome (success, failed, rolled_back, open) and why it failed or was rolled back.

  --limit N          only the newest N attempts
  --attempt ID       one attempt in full: its record, the boots it got (boot id, slot, boot_counter,
                     boot_success, observed by the agent or inferred from the counter), then every
                     event of it in order
  --until SEQ|TIME   the history as it stood then: the log folded from seq 1 up to event SEQ, or to
                     the last event stamped at or before TIME (ISO-8601 with its zone); an attempt
                     still open then shows as open. The first line (--json: the as_of key) names
                     the seq and time shown. A SEQ past the end of the log is exit 2.
  --json             {"attempts": [{id, from_version, to_version, from_slot, to_slot, started_at, ended_at,
                     outcome, failed_step, error, rollback, boots: [{at, boot_id, slot, boot_counter,
                     boot_success, inferred?}], healthchecks, phases}]}

Reads only. Exit codes: 0 · 1 no attempt with that ID, or no data directory · 2 bad flag.`,
  options: { limit: { type: 'string' }, attempt: { type: 'string' }, until: { type: 'string' } },
  async run({ values }, ctx) {
    const limit = parseLimit(values.limit);
    const bound = parseBound('until', values.until);
    requireDataDir(ctx);
    checkBound('until', bound, ctx.paths.dataDir);
    const then = bound ? loadProjectionsUntil(ctx.paths.dataDir, bound, { onProblem: warnCorrupt(ctx) }) : null;
    const when = bound && then ? asOf(bound, then.last) : null;
    const loaded = then ?? readProjections(ctx);
    const projections = loaded.projections;
    // Before a writer has recorded it, a log behind its checkpoint is said here too: this history is missing events.
    if (!then && 'behind' in loaded && loaded.behind) ctx.warn(`warning: ${loaded.behind}; the next writer command records the loss (LogLost)`);
    const all = historyJson(projections.history).attempts;
    const losses = projections.node.losses;
    const header = when ? `${asOfLine(when, 'the history')}\n\n` : '';
    const id = values.attempt as string | undefined;
    if (id === undefined) {
      const attempts = all.slice(0, limit);
      const doc = historyDocument(projections.history, losses, limit);
      ctx.out(ctx.json ? JSON.stringify(when ? { ...doc, as_of: when } : doc) : `${header}${[table(attempts), ...lossLines(losses)].join('\n')}`);
      return 0;
    }
    const one = all.find((a) => a.id === id);
    if (!one) throw new AgentError('FAILED', `no attempt ${JSON.stringify(id)} in the log${when ? ` up to seq ${when.seq}` : ''}; 'kubesolo-update history' lists them`);
    if (ctx.json) {
      ctx.out(JSON.stringify(when ? { ...one, as_of: when } : one));
      return 0;
    }
    const log = await openReader(ctx);
    const lines = [`${header}${table([one])}`, '', 'Boots', boots(one), '', 'Timeline'];
    for await (const e of log.read()) {
      if (bound && isPast(bound, e)) break;
      if (e.attempt === id) lines.push(`  ${isoTime(e.at)}  #${e.seq}  ${e.type}  ${JSON.stringify(e.data)}`);
    }
    ctx.out(lines.join('\n'));
    return 0;
  },
};
