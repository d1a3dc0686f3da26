/**
 * Small HTTP GETs (latest.json, signatures) with a size cap, redirects (at most 5, loops
 * refused) and an idle timeout — time to connect and between bytes, never for the whole
 * transfer. node:http only.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AgentError } from '../errors.js';

/**
 * A failed transfer (exit 1); `transient` ones (5xx, resets, stalls) are worth a retry. An
 * answer that was not 2xx carries its status, and a 401 its WWW-Authenticate challenge.
 */
export class HttpError extends AgentError {
  constructor(message: string, readonly transient: boolean, readonly status: number | null = null, readonly challenge: string | null = null) {
    super('FAILED', message);
  }
}

/**
 * The Authorization to send to one URL, or null. Asked again at every redirect hop, so a
 * credential meant for a registry never follows a redirect to blob storage elsewhere.
 */
export type Authorize = (url: URL) => string | null;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Opens a GET, following redirects; resolves with the 2xx response (body not read yet). */
export function open(url: string, opts: { idleMs: number; headers?: Record<string, string>; maxRedirects?: number; authorize?: Authorize }): Promise<{ res: IncomingMessage; url: string }> {
  const seen = new Set<string>();
  const go = (target: string, left: number): Promise<{ res: IncomingMessage; url: string }> => new Promise((resolve, reject) => {
    let u: URL;
    const hop = target === url ? target : `a redirect of ${url}`;
    try { u = new URL(target); } catch { return reject(new HttpError(`not a URL: ${hop}`, false)); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return reject(new HttpError(`refusing the ${u.protocol} URL of ${hop}`, false));
    seen.add(u.href);
    // A redirect target is named without its query: storage URLs carry pre-signed credentials,
    // and these messages end up in the log, which is kept forever and served at /events.
    const shown = target === url ? target : `${url} (redirected to ${u.origin}${u.pathname})`;
    const auth = opts.authorize?.(u) ?? null;
    const headers = auth ? { ...opts.headers, authorization: auth } : opts.headers;
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', headers, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status) && res.headers.location) {
        res.resume();
        const next = new URL(res.headers.location, u).href;
        // A downgrade would send the rest of the transfer, and what it says, in the clear.
        if (u.protocol === 'https:' && next.startsWith('http:')) return reject(new HttpError(`GET ${shown}: refusing a redirect from https to plain http (${new URL(next).host})`, false));
        if (seen.has(next)) return reject(new HttpError(`GET ${shown}: redirect loop`, false));
        if (left <= 0) return reject(new HttpError(`GET ${shown}: too many redirects`, false));
        return resolve(go(next, left - 1));
      }
      if (status < 200 || status > 299) {
        res.resume();
        const challenge = status === 401 ? String(res.headers['www-authenticate'] ?? '') || null : null;
        return reject(new HttpError(`GET ${shown}: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, status >= 500 || status === 429, status, challenge));
      }
      resolve({ res, url: u.href });
    });
    req.setTimeout(opts.idleMs, () => req.destroy(new HttpError(`GET ${shown}: no answer for ${opts.idleMs / 1000} s`, true)));
    req.on('error', (e) => reject(e instanceof HttpError ? e : new HttpError(`GET ${shown}: ${e.message}`, true)));
    req.end();
  });
  return go(url, opts.maxRedirects ?? 5);
}

/**
 * The whole body of a small resource; more than `maxBytes` is an error, read no further.
 * `contentType` is the media type the server named (without parameters), or null.
 */
export async function fetchBytes(url: string, opts: { idleMs: number; maxBytes: number; what?: string; headers?: Record<string, string>; authorize?: Authorize }): Promise<{ body: Buffer; url: string; contentType: string | null; headers: IncomingMessage['headers'] }> {
  const { res, url: final } = await open(url, { idleMs: opts.idleMs, headers: opts.headers, authorize: opts.authorize });
  const contentType = res.headers['content-type']?.split(';')[0].trim() || null;
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    res.destroy();
    throw new HttpError(`${opts.what ?? url} is ${declared} bytes, more than the ${opts.maxBytes} allowed`, false);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let settled = false;
    // The first word is the true one: destroying the response also emits 'aborted' and 'error'.
    const fail = (e: HttpError) => { if (!settled) { settled = true; reject(e); } res.destroy(); };
    res.setTimeout(opts.idleMs, () => fail(new HttpError(`GET ${url}: the body stalled for ${opts.idleMs / 1000} s`, true)));
    res.on('data', (c: Buffer) => {
      got += c.length;
      if (got > opts.maxBytes) return fail(new HttpError(`${opts.what ?? url} is more than the ${opts.maxBytes} bytes allowed`, false));
      chunks.push(c);
    });
    res.on('error', (e) => fail(e instanceof HttpError ? e : new HttpError(`GET ${url}: ${e.message}`, true)));
    res.on('aborted', () => fail(new HttpError(`GET ${url}: the connection closed mid-body`, true)));
    res.on('end', () => {
      if (settled) return;
      settled = true;
      if (Number.isFinite(declared) && got !== declared) return reject(new HttpError(`GET ${url}: the body ended after ${got} of ${declared} bytes`, true));
      resolve({ body: Buffer.concat(chunks), url: final, contentType, headers: res.headers });
    });
  });
}
