/** A minimal Server-Sent Events reader over node:http, for tests: collects `id`/`data` pairs. */
import { get, type ClientRequest } from 'node:http';

export interface SseMessage { id: number; data: string }

export interface SseClient { messages: SseMessage[]; opened: Promise<number>; close(): void }

export function sse(url: string, headers: Record<string, string> = {}): SseClient {
  const messages: SseMessage[] = [];
  let req: ClientRequest;
  const opened = new Promise<number>((resolve, reject) => {
    req = get(url, { headers }, (res) => {
      resolve(res.statusCode ?? 0);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const id = /^id: (\d+)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          if (id && data) messages.push({ id: Number(id[1]), data: data[1] });
        }
      });
    });
    req.on('error', reject);
  });
  opened.catch(() => {});
  return { messages, opened, close: () => req.destroy() };
}
