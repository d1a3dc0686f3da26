/**
 * Publishing through the distribution API, so a publisher needs no other tool: each blob is
 * skipped when the registry already has it (HEAD), else uploaded in one PUT or, when larger
 * than `chunkBytes`, in PATCH chunks closed by a PUT with its digest; then the manifests and
 * the index are PUT by digest and the index also under the tag. Authorization as for pulling,
 * with a token for pull and push.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HttpError, type Authorize } from '../http.js';
import { Registry } from './registry.js';

export interface Answer { status: number; headers: IncomingHttpHeaders; body: Buffer }

/** One request with a small answer; any status is returned, a 401 thrown for Registry.authed to answer. */
export function send(method: string, url: string, o: { headers?: Record<string, string>; body?: Buffer; authorize: Authorize; idleMs: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const auth = o.authorize(u);
    const headers: Record<string, string> = { ...o.headers, ...(auth ? { authorization: auth } : {}), ...(o.body ? { 'content-length': String(o.body.length) } : { 'content-length': '0' }) };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let got = 0;
      res.on('data', (c: Buffer) => { got += c.length; if (got <= 64 * 1024) chunks.push(c); });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status === 401) return reject(new HttpError(`${method} ${u.origin}${u.pathname}: HTTP 401`, false, 401, String(res.headers['www-authenticate'] ?? '') || null));
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.setTimeout(o.idleMs, () => req.destroy(new HttpError(`${method} ${u.origin}${u.pathname}: no answer for ${o.idleMs / 1000} s`, true)));
    req.on('error', (e) => reject(e instanceof HttpError ? e : new HttpError(`${method} ${u.origin}${u.pathname}: ${e.message}`, true)));
    req.end(o.body);
  });
}

const fail = (what: string, a: Answer) => new HttpError(`${what}: HTTP ${a.status}${a.body.length ? `: ${a.body.toString('utf8').slice(0, 200).trim()}` : ''}`, a.status >= 500);

export interface PushReport { uploaded: string[]; skipped: string[] }

export class Pusher {
  readonly report: PushReport = { uploaded: [], skipped: [] };
  constructor(private readonly reg: Registry, private readonly idleMs: number, private readonly chunkBytes = 8 * 1024 * 1024) {}

  private call(method: string, url: string, headers?: Record<string, string>, body?: Buffer): Promise<Answer> {
    return this.reg.authed(() => send(method, url, { headers, body, authorize: this.reg.authorize, idleMs: this.idleMs }));
  }

  private next(location: string | string[] | undefined, what: string): string {
    if (typeof location !== 'string') throw new HttpError(`${what}: the registry gave no upload Location`, false);
    return new URL(location, this.reg.origin).href;
  }

  async blob(digest: string, bytes: Buffer): Promise<void> {
    const head = await this.call('HEAD', this.reg.blobUrl(digest));
    if (head.status === 200) { this.report.skipped.push(digest); return; }
    const start = await this.call('POST', `${this.reg.base}/blobs/uploads/`);
    if (start.status !== 202) throw fail(`starting the upload of ${digest}`, start);
    let at = this.next(start.headers.location, `starting the upload of ${digest}`);
    if (bytes.length > this.chunkBytes) {
      for (let off = 0; off < bytes.length; off += this.chunkBytes) {
        const part = bytes.subarray(off, Math.min(bytes.length, off + this.chunkBytes));
        const a = await this.call('PATCH', at, { 'content-type': 'application/octet-stream', 'content-range': `${off}-${off + part.length - 1}` }, part);
        if (a.status !== 202) throw fail(`uploading ${digest} at byte ${off}`, a);
        at = this.next(a.headers.location, `uploading ${digest}`);
      }
      const done = await this.call('PUT', `${at}${at.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`);
      if (done.status !== 201) throw fail(`closing the upload of ${digest}`, done);
    } else {
      const done = await this.call('PUT', `${at}${at.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`, { 'content-type': 'application/octet-stream' }, bytes);
      if (done.status !== 201) throw fail(`uploading ${digest}`, done);
    }
    this.report.uploaded.push(digest);
  }

  async manifest(reference: string, mediaType: string, body: Buffer): Promise<string> {
    const a = await this.call('PUT', `${this.reg.base}/manifests/${reference}`, { 'content-type': mediaType }, body);
    if (a.status !== 201) throw fail(`putting the manifest ${reference}`, a);
    return String(a.headers['docker-content-digest'] ?? '');
  }
}
