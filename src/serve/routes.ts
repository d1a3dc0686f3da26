/**
 * The HTTP surface of `serve`: /metrics, /status, /history, /events, /healthz. Every answer comes
 * from the in-memory LiveView (or, for /events, a cursor of its own); a bad request is a 4xx with
 * a one-line reason, and nothing a client sends can throw past this handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { historyDocument, historyJson } from '../../projections/historyView.js';
import { statusJson, type BootFacts } from '../../projections/statusView.js';
import type { LiveView } from './liveView.js';
import { streamEvents } from './sse.js';

export interface RouteDeps {
  live: LiveView;
  dataDir: string;
  bootFacts: () => BootFacts;
  now: () => number;
  /** Open /events streams, ended on shutdown. */
  streams: Set<() => void>;
  pollMs?: number;
}

class BadRequest extends Error {}

const PROM_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const INDEX = `kubesolo-update serve
  /metrics   Prometheus metrics (text format 0.0.4)
  /status    the same JSON as 'kubesolo-update status --json'
  /history   the same JSON as 'kubesolo-update history --json' (?limit=N, ?attempt=ID)
  /events    Server-Sent Events of new events (?since=SEQ replays after SEQ, ?type=T[,T])
  /healthz   200 while serving
`;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json', `${JSON.stringify(value)}\n`);

function wholeNumber(q: URLSearchParams, name: string, min: number): number | null {
  const raw = q.get(name);
  if (raw === null) return null;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min)) throw new BadRequest(`${name} takes a whole number (${min} or more), not ${JSON.stringify(raw)}`);
  return n;
}

export function handler(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      route(deps, req, res);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof BadRequest) sendJson(res, 400, { error: err.message });
      else sendJson(res, 500, { error: (err as Error).message });
    }
  };
}

function route(deps: RouteDeps, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: `${req.method} is not served; use GET` });
  }
  let url: URL;
  try { url = new URL(req.url ?? '/', 'http://serve'); } catch { throw new BadRequest('not a valid request target'); }
  const q = url.searchParams;
  switch (url.pathname) {
    case '/':
      return send(res, 200, 'text/plain; charset=utf-8', INDEX);
    case '/healthz':
      return sendJson(res, 200, { ok: true, seq: deps.live.seq });
    case '/metrics':
      deps.live.metricsText().then(
        (text) => send(res, 200, PROM_TEXT, text),
        (err: Error) => sendJson(res, 500, { error: err.message }),
      );
      return;
    case '/status':
      return sendJson(res, 200, statusJson(deps.live.state, deps.bootFacts(), deps.live.logFacts(), deps.now()));
    case '/history': {
      const limit = wholeNumber(q, 'limit', 1) ?? Infinity;
      const attempts = historyJson(deps.live.state.history).attempts;
      const id = q.get('attempt');
      if (id === null) return sendJson(res, 200, historyDocument(deps.live.state.history, deps.live.state.node.losses, limit));
      const one = attempts.find((a) => a.id === id);
      return one ? sendJson(res, 200, one) : sendJson(res, 404, { error: `no attempt ${JSON.stringify(id)} in the log` });
    }
    case '/events': {
      // A reconnecting EventSource sends its original URL again plus Last-Event-ID: that one wins.
      const lastId = req.headers['last-event-id'];
      const asked = wholeNumber(q, 'since', 0);
      const since = typeof lastId === 'string' && /^\d{1,15}$/.test(lastId) ? Number(lastId) : asked;
      const types = new Set((q.get('type') ?? '').split(',').map((t) => t.trim()).filter(Boolean));
      if (req.method === 'HEAD') return send(res, 200, 'text/event-stream', '');
      const end = streamEvents(deps.dataDir, req, res, { since, types, live: deps.live.position }, deps.pollMs);
      deps.streams.add(end);
      res.on('close', () => deps.streams.delete(end));
      return;
    }
    default:
      return sendJson(res, 404, { error: `no such path ${url.pathname}; try /metrics, /status, /history, /events, /healthz` });
  }
}
