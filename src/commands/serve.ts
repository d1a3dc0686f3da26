import { createServer } from 'node:http';
import { systemClock } from '../../events/systemClock.js';
import { readBootFacts } from '../boot/bootFacts.js';
import { AgentError, usage } from '../errors.js';
import { LiveView } from '../serve/liveView.js';
import { parseListen } from '../serve/listen.js';
import { handler } from '../serve/routes.js';
import type { Command } from './command.js';
import { describeProblem } from '../session/readers.js';

export const serve: Command = {
  name: 'serve',
  usage: 'serve [--listen ADDR:PORT]',
  help: `Serves what the log says over HTTP until SIGTERM or SIGINT:

  /metrics   the Prometheus exposition (the same as 'kubesolo-update metrics')
  /status    the same JSON as 'status --json'
  /history   the same JSON as 'history --json'; ?limit=N, ?attempt=ID
  /events    Server-Sent Events: every event appended from now on, each once and in order;
             ?since=SEQ replays from after SEQ first (Last-Event-ID is honoured); ?type=T[,T]
  /healthz   {"ok": true, "seq": N}

  --listen ADDR:PORT   where to listen (default :9469, every interface); 127.0.0.1:0 picks a
                       free port. The address is printed on stdout ({"listening": URL} with --json).

The projections are loaded once (checkpoint + tail) and advance in memory as other commands
append; no request replays the log. Takes no lock and writes nothing: any number of serve
processes may run beside the writer commands. A malformed request gets a 4xx with a reason.

Example: prometheus.yml
  scrape_configs:
    - job_name: kubesolo-update
      static_configs: [{ targets: ['node1:9469'] }]`,
  options: { listen: { type: 'string' } },
  async run({ values }, ctx) {
    const listen = parseListen(typeof values.listen === 'string' ? values.listen : ':9469');
    if ('error' in listen) throw usage(listen.error);
    const warned = new Set<string>();
    const warnOnce = (m: string) => { if (!warned.has(m)) { warned.add(m); ctx.warn(m); } };
    const live = new LiveView(ctx.paths.dataDir, (p) => { if (p.kind === 'corrupt') warnOnce(`warning: corrupt log: ${describeProblem(p)}`); });
    const streams = new Set<() => void>();
    const server = createServer(handler({
      live, dataDir: ctx.paths.dataDir, streams, now: systemClock,
      bootFacts: () => readBootFacts(ctx.paths, live.state.lifecycle, warnOnce),
    }));
    server.on('clientError', (_err, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); else socket.destroy(); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', () => live.close());
      server.once('error', (err: NodeJS.ErrnoException) => reject(new AgentError('FAILED', `cannot listen on ${values.listen ?? ':9469'}: ${err.code === 'EADDRINUSE' ? 'the address is in use' : err.message}`)));
      server.listen(listen.port, listen.host, () => resolve());
    });
    const addr = server.address();
    const url = addr && typeof addr === 'object' ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/` : String(addr);
    ctx.out(ctx.json ? JSON.stringify({ listening: url }) : `listening on ${url}`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        for (const end of streams) end();
        live.close();
        server.close(() => resolve());
        server.closeIdleConnections();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
