/**
 * The demo's update server: GET and HEAD of the files of one directory on 127.0.0.1, with a
 * single `Range` answered 206 so that apply's resume path meets a real server. `publish` swaps
 * the directory, as a publisher replaces what a channel offers.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { parseByteRange } from './byteRange.js';

export interface StaticServer { url: string; publish(dir: string): void; close(): Promise<void> }

function fileOf(root: string, req: IncomingMessage): { path: string; size: number } | null {
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return null;
  }
  // normalize() of an absolute path never climbs above '/', so the join stays under root.
  const file = join(root, normalize(path));
  if (!file.startsWith(root + sep)) return null;
  try {
    const st = statSync(file);
    return st.isFile() ? { path: file, size: st.size } : null;
  } catch {
    return null;
  }
}

function answer(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = fileOf(root, req);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const range = parseByteRange(req.headers.range, file.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${file.size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  res.writeHead(range ? 206 : 200, {
    'content-type': file.path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${file.size}` } : {}),
  });
  if (req.method === 'HEAD' || end < start) {
    res.end();
    return;
  }
  createReadStream(file.path, { start, end }).on('error', () => res.destroy()).pipe(res);
}

export async function serveDir(dir: string): Promise<StaticServer> {
  let root = dir;
  const server = createServer((req, res) => answer(root, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    publish(next) { root = next; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
