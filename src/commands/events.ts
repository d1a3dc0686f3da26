import { filter } from 'rxjs';
import type { StoredEvent } from '../../events/types.js';
import { eventLine } from '../../projections/eventJson.js';
import { usage } from '../errors.js';
import type { Command } from './command.js';
import { openReader } from '../session/readers.js';

function parseSince(raw: unknown): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw usage(`--since takes a seq number (0 or more), not ${JSON.stringify(raw)}`);
  return n;
}

export const events: Command = {
  name: 'events',
  usage: 'events [--since SEQ] [--type T[,T...]] [--follow]',
  help: `Prints events as NDJSON, one per line, oldest first:
  {"seq":1,"type":"OperatorNote","v":1,"at":"2026-11-24T15:00:00.000Z","boot":"…","data":{"text":"…"}}
Events of a type this version does not know are printed as stored, with "foreign":true.

  --since SEQ   only events after SEQ (pass the last seq you saw to resume)
  --type T      only these types (comma-separated or repeated)
  --follow      keep running and print events as other commands append them (Ctrl-C ends)

Takes no lock and changes nothing. Corruption is skipped with a warning on stderr.`,
  options: {
    since: { type: 'string' },
    type: { type: 'string', multiple: true },
    follow: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const since = parseSince(values.since);
    const types = new Set(((values.type as string[] | undefined) ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean));
    const wanted = (e: StoredEvent) => types.size === 0 || types.has(e.type);
    const log = await openReader(ctx);
    if (!values.follow) {
      // One write per few hundred lines: a million events are a million syscalls otherwise.
      let lines: string[] = [];
      for await (const e of log.read({ fromSeq: since + 1 })) {
        if (!wanted(e)) continue;
        lines.push(eventLine(e));
        if (lines.length >= 512) { ctx.out(lines.join('\n')); lines = []; }
      }
      if (lines.length > 0) ctx.out(lines.join('\n'));
      return 0;
    }
    await new Promise<void>((resolve) => {
      const sub = log.follow$({ fromSeq: since + 1 }).pipe(filter(wanted)).subscribe({ next: (e) => ctx.out(eventLine(e)) });
      const stop = () => { sub.unsubscribe(); resolve(); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
