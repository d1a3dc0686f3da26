/**
 * `/events` as Server-Sent Events: each event once, in seq order, as `id: <seq>` + `data: <the
 * same JSON line as 'kubesolo-update events'>`. `?since=SEQ` (or a reconnecting browser's
 * Last-Event-ID) replays from after SEQ; without it, only what is appended from now on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { filter } from 'rxjs';
import type { LogPosition } from '../../events/cursor.js';
import { follow$ } from '../../events/stream.js';
import type { StoredEvent } from '../../events/types.js';
import { eventLine } from '../../projections/eventJson.js';

/** A client this far behind is dropped (it reconnects with Last-Event-ID and loses nothing). */
const MAX_BUFFERED = 8 * 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export interface SseRequest { since: number | null; types: Set<string>; live: LogPosition }

export function streamEvents(dataDir: string, req: IncomingMessage, res: ServerResponse, q: SseRequest, pollMs?: number): () => void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': kubesolo-update events\n\n');
  const eventsDir = join(dataDir, 'events');
  const from = q.since === null ? { start: q.live } : { fromSeq: q.since + 1 };
  const wanted = (e: StoredEvent) => q.types.size === 0 || q.types.has(e.type);
  const sub = follow$(eventsDir, { ...from, pollMs }).pipe(filter(wanted)).subscribe({
    next: (e) => {
      res.write(`id: ${e.seq}\ndata: ${eventLine(e)}\n\n`);
      if (res.writableLength > MAX_BUFFERED) res.destroy();
    },
    error: () => res.destroy(),
  });
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  const stop = () => { clearInterval(keepalive); sub.unsubscribe(); };
  req.on('close', stop);
  res.on('close', stop);
  return () => { stop(); res.end(); };
}
