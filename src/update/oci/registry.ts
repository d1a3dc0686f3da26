/**
 * The distribution API, as much as pulling a release needs: manifests by tag or digest and
 * blobs by digest, with the registry's two ways of asking who we are. A `401` with a Bearer
 * challenge gets a token for pull only from the realm, then one retry; a Basic challenge gets
 * the credentials from Docker's config.json. Credentials go only to the registry's own origin
 * (a token realm elsewhere is asked anonymously), and a redirect to blob storage gets no
 * Authorization at all (http.ts asks `authorize` at every hop).
 */
import { createHash } from 'node:crypto';
import { fetchBytes, HttpError, type Authorize } from '../http.js';
import { ACCEPT_MANIFESTS, MANIFEST_CAP } from './manifest.js';
import type { RegistryRef } from './reference.js';

/** A token answer is small; anything larger is not one. */
const TOKEN_CAP = 64 * 1024;

export interface Credentials { username: string; password: string }

export interface RegistryOptions {
  ref: RegistryRef;
  /** http:// instead of https:// (tests, closed sites): credentials then cross the wire in the clear. */
  plainHttp: boolean;
  credentials: Credentials | null;
  idleMs: number;
  /** What the token asks for: a node only ever pulls; `release --push` publishes. */
  access?: 'pull' | 'pull,push';
  /** A token service on another origin that the operator named (registry_auth_realm=): it gets the login too. */
  authRealm?: string | null;
}

/** `Bearer realm="…",service="…",scope="…"` → its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | null {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[p[1].toLowerCase()] = (p[2] ?? p[3]).replace(/\\(.)/g, '$1');
  return { scheme: m[1].toLowerCase(), params };
}

export const digestOf = (body: Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

export class Registry {
  private token: string | null = null;
  private basic = false;
  readonly origin: string;
  readonly base: string;

  constructor(private readonly o: RegistryOptions) {
    this.origin = `${o.plainHttp ? 'http' : 'https'}://${o.ref.host}`;
    this.base = `${this.origin}/v2/${o.ref.repository}`;
  }

  /** What each request, and each redirect hop, carries: only to the registry itself. */
  readonly authorize: Authorize = (u) => {
    if (u.origin !== this.origin) return null;
    if (this.token) return `Bearer ${this.token}`;
    if (this.basic && this.o.credentials) return `Basic ${Buffer.from(`${this.o.credentials.username}:${this.o.credentials.password}`).toString('base64')}`;
    return null;
  };

  private where = () => `registry ${this.o.ref.host} (${this.o.ref.repository})`;

  /** Runs `fn`; on a first 401 answers the challenge and runs it once more. */
  async authed<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof HttpError) || e.status !== 401) throw e;
      await this.answer(e.challenge);
      try {
        return await fn();
      } catch (again) {
        if (again instanceof HttpError && again.status === 401) throw new HttpError(`${this.where()} still answered 401 after ${this.token ? 'a token' : 'the credentials'} was sent: access denied`, false, 401);
        throw again;
      }
    }
  }

  private async answer(challenge: string | null): Promise<void> {
    const c = challenge ? parseChallenge(challenge) : null;
    if (c?.scheme === 'basic') {
      if (!this.o.credentials) throw new HttpError(`${this.where()} asks for a login (Basic) and no credentials are configured for ${this.o.ref.host}`, false, 401);
      this.basic = true;
      return;
    }
    if (c?.scheme !== 'bearer' || !c.params.realm) throw new HttpError(`${this.where()} answered 401 with ${challenge ? `an unusable challenge: ${challenge.slice(0, 120)}` : 'no challenge'}`, false, 401);
    let realm: URL;
    try { realm = new URL(c.params.realm); } catch { throw new HttpError(`${this.where()}: the token realm ${JSON.stringify(c.params.realm.slice(0, 120))} is not a URL`, false, 401); }
    if (realm.protocol !== 'https:' && !(this.o.plainHttp && realm.protocol === 'http:')) throw new HttpError(`${this.where()}: refusing the token realm ${realm.origin}: not https`, false, 401);
    // Pull only, whatever the challenge asked for, unless this is a publisher pushing.
    realm.searchParams.set('scope', `repository:${this.o.ref.repository}:${this.o.access ?? 'pull'}`);
    if (c.params.service) realm.searchParams.set('service', c.params.service);
    const trusted = realm.origin === this.origin || (this.o.authRealm != null && realm.origin === new URL(this.o.authRealm).origin);
    const creds = trusted && this.o.credentials ? `Basic ${Buffer.from(`${this.o.credentials.username}:${this.o.credentials.password}`).toString('base64')}` : null;
    let body: Buffer;
    try {
      ({ body } = await fetchBytes(realm.href, { idleMs: this.o.idleMs, maxBytes: TOKEN_CAP, what: `the token from ${realm.origin}`, authorize: (u) => (u.origin === realm.origin ? creds : null) }));
    } catch (e) {
      throw new HttpError(`${this.where()}: the token service ${realm.origin} failed: ${(e as Error).message.replace(realm.href, realm.origin + realm.pathname)}`, e instanceof HttpError && e.transient);
    }
    let t: unknown;
    try { t = JSON.parse(body.toString('utf8')); } catch { throw new HttpError(`${this.where()}: the token service ${realm.origin} answered something that is not JSON`, false); }
    const token = (t as { token?: unknown; access_token?: unknown })?.token ?? (t as { access_token?: unknown })?.access_token;
    if (typeof token !== 'string' || token.length === 0) throw new HttpError(`${this.where()}: the token service ${realm.origin} answered no token`, false);
    this.token = token;
  }

  /** A manifest or index by tag or digest, checked against the digest the registry names (and the one asked for). */
  async manifest(reference: string): Promise<{ body: Buffer; contentType: string | null; digest: string }> {
    const r = await this.authed(() => fetchBytes(`${this.base}/manifests/${reference}`, {
      idleMs: this.o.idleMs, maxBytes: MANIFEST_CAP, what: `the manifest ${reference} from ${this.where()}`, headers: { accept: ACCEPT_MANIFESTS }, authorize: this.authorize,
    }));
    const digest = digestOf(r.body);
    const named = r.headers['docker-content-digest'];
    if (typeof named === 'string' && named.startsWith('sha256:') && named !== digest) throw new HttpError(`${this.where()}: the manifest ${reference} hashes to ${digest}, not the ${named} the registry named`, false);
    if (reference.startsWith('sha256:') && reference !== digest) throw new HttpError(`${this.where()}: the manifest asked for as ${reference} hashes to ${digest}`, false);
    return { body: r.body, contentType: r.contentType, digest };
  }

  /** Where a blob is read from (http.ts follows the registry's redirect, without our Authorization past its origin). */
  blobUrl(digest: string): string { return `${this.base}/blobs/${digest}`; }
}
