import { filter } from 'rxjs';
import { EVENT_TYPES, type StoredEvent } from '../../events/types.js';
import { isPast } from '../../projections/bound.js';
import { eventLine } from '../../projections/eventJson.js';
import { usage } from '../errors.js';
import type { Command } from './command.js';
import { checkBound, parseBound } from '../session/logBound.js';
import { openReader, readProjections, type ReaderEnv } from '../session/readers.js';

function parseSince(raw: unknown): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw usage(`--since takes a seq number (0 or more), not ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Refuses a --type that is no event type, listing the known ones. A type this version does not
 * know but the log holds (written by a newer agent) is a fair filter and passes.
 */
function checkTypes(types: Set<string>, env: ReaderEnv): void {
  const unknown = [...types].filter((t) => !(EVENT_TYPES as string[]).includes(t));
  if (unknown.length === 0) return;
  const inLog = readProjections(env).projections.node.eventsByType;
  const none = unknown.filter((t) => !inLog[t]);
  if (none.length === 0) return;
  throw usage(`unknown event type ${none.map((t) => JSON.stringify(t)).join(', ')}; the types are ${EVENT_TYPES.join(', ')}`);
}

export const events: Command = {
  name: 'events',
  usage: 'events [--since SEQ] [--until SEQ|TIME] [--type T[,T...]] [--follow]',
  help: `Prints events as NDJSON, one per line, oldest first:
  {"seq":1,"type":"OperatorNote","v":1,"at":"2026-11-24T15:00:00.000Z","boot":"…","data":{"text":"…"}}
Events of a type this version does not know are printed as stored, with "foreign":true. Each
camelCase key of the data has its snake_case twin beside it ("fromVersion" and "from_version").

  --since SEQ         only events after SEQ (pass the last seq you saw to resume)
  --until SEQ|TIME    only events up to SEQ, or up to the last one stamped at or before TIME
                      (ISO-8601 with its zone); the export stops at the first event past it.
                      A SEQ past the end of the log is exit 2, naming the last seq.
  --type T            only these types (comma-separated or repeated)
  --follow            keep running and print events as other commands append them (Ctrl-C ends)

Takes no lock and changes nothing. Corruption is skipped with a warning on stderr.
Exit codes: 0 · 1 no data directory · 2 bad flag, or a --type that is no event type (the known
types are listed).`,
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    type: { type: 'string', multiple: true },
    follow: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const since = parseSince(values.since);
    const until = parseBound('until', values.until);
    if (until && values.follow) throw usage('--until ends the export at a point in the log; --follow never ends: use one of them');
    const types = new Set(((values.type as string[] | undefined) ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean));
    const wanted = (e: StoredEvent) => types.size === 0 || types.has(e.type);
    const log = await openReader(ctx);
    checkBound('until', until, ctx.paths.dataDir);
    checkTypes(types, ctx);
    if (!values.follow) {
      // One write per few hundred lines: a million events are a million syscalls otherwise.
      let lines: string[] = [];
      for await (const e of log.read({ fromSeq: since + 1 })) {
        if (until && isPast(until, e)) break;
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
