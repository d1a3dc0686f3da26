/**
 * A real HTTP server on 127.0.0.1 for update tests: serves a release directory made by
 * `kubesolo-update release`, and routes that misbehave on purpose (`/hostile/<name>/...`).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse, type IncomingMessage } from 'node:http';
import { join, normalize } from 'node:path';

export interface TestServer {
  url: string;
  close(): Promise<void>;
  hits: Map<string, number>;
  /** Every request in order, with its Range header (to see a download resumed). */
  requests: Array<{ path: string; range: string | null }>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** `dir` may be a function: the directory served is then looked up on each request (a server whose release changes). */
export interface ServeOptions {
  bytesPerSecond?: number;
  /**
   * While set, each GET of `path` sends its bytes up to `after` and then nothing more, holding
   * the connection open (a link that died mid-transfer). Clear it to heal.
   */
  stall?: { path: string; after: number } | null;
}

export async function serve(dir: string | (() => string), routes: Record<string, Handler> = {}, opts: ServeOptions = {}): Promise<TestServer> {
  const hits = new Map<string, number>();
  const requests: TestServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    requests.push({ path, range: typeof req.headers.range === 'string' ? req.headers.range : null });
    const route = routes[path];
    if (route) return route(req, res);
    const file = join(typeof dir === 'string' ? dir : dir(), normalize(path).replace(/^(\.\.[/\\])+/, ''));
    if (!existsSync(file) || !statSync(file).isFile()) { res.statusCode = 404; return res.end('not found'); }
    const size = statSync(file).size;
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const start = range ? Number(range[1]) : 0;
    if (range) { res.statusCode = 206; res.setHeader('content-range', `bytes ${start}-${size - 1}/${size}`); }
    res.setHeader('content-length', size - start);
    const stall = opts.stall;
    if (stall && stall.path === path && req.method === 'GET' && start < stall.after) {
      createReadStream(file, { start, end: stall.after - 1 }).pipe(res, { end: false });
      return;
    }
    const stream = createReadStream(file, { start });
    if (!opts.bytesPerSecond) return void stream.pipe(res);
    // Throttled: a slow link, so that a test can kill a client mid-download.
    stream.on('data', (chunk) => {
      stream.pause();
      res.write(chunk, () => setTimeout(() => stream.resume(), (chunk.length / opts.bytesPerSecond!) * 1000));
    });
    stream.on('end', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    hits,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
