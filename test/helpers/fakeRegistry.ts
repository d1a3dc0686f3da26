/**
 * Registries that misbehave on purpose, in-process on 127.0.0.1 (Debian's registry cannot be
 * made to): a bare server that records every request it saw, optionally over TLS, and the
 * content of one release (index → amd64 manifest → kernel and initramfs blobs) to serve from it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join } from 'node:path';
import { MEDIA } from '../../src/update/oci/manifest.js';
import { tmpDir } from './tmp.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, port: number) => void;

export interface FakeServer { port: number; seen: IncomingMessage[]; close(): Promise<void> }

/** A self-signed certificate for IP 127.0.0.1; a child trusts it through NODE_EXTRA_CA_CERTS=cert. */
export function selfSigned(): { key: string; cert: string } {
  const dir = tmpDir('ksu-tls-');
  const key = join(dir, 'key.pem'), cert = join(dir, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  return { key, cert };
}

/** Serves `handler` on 127.0.0.1 (https with `tls`); `seen` keeps every request, in order. */
export async function server(handler: Handler, tls?: { key: string; cert: string }): Promise<FakeServer> {
  const seen: IncomingMessage[] = [];
  let port = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => { seen.push(req); handler(req, res, port); };
  const s = tls ? createTlsServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, onRequest) : createServer(onRequest);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  port = (s.address() as { port: number }).port;
  return { port, seen, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

export const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface FakeRelease {
  /** The tag's document and its media type. */
  top: { body: Buffer; type: string };
  /** Everything else by digest: the manifest and the blobs. */
  byDigest: Map<string, { body: Buffer; type: string }>;
  kernelDigest: string;
}

/** An image index whose only entry is a manifest for `arch`, with a kernel and an initramfs layer. */
export function fakeRelease(kernel: Buffer, initramfs: Buffer, arch = 'amd64'): FakeRelease {
  const byDigest = new Map<string, { body: Buffer; type: string }>();
  const put = (body: Buffer, type: string) => { byDigest.set(sha(body), { body, type }); return { mediaType: type, digest: sha(body), size: body.length }; };
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: put(Buffer.from('{}'), 'application/vnd.oci.image.config.v1+json'),
    layers: [put(kernel, MEDIA.kernel), put(initramfs, MEDIA.initramfs)],
    annotations: { 'io.kubesolo.os.version': 'v1.1.0', 'io.kubesolo.os.architecture': arch },
  })), MEDIA.ociManifest);
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ ...manifest, platform: { architecture: arch, os: 'linux' } }] }));
  return { top: { body: index, type: MEDIA.ociIndex }, byDigest, kernelDigest: sha(kernel) };
}

/**
 * Answers a manifest or blob GET of `rel` (`/v2/<repo>/manifests/<tag|digest>`, `/v2/<repo>/blobs/<digest>`);
 * returns false for anything else, left to the caller.
 */
export function answer(rel: FakeRelease, req: IncomingMessage, res: ServerResponse): boolean {
  const m = /^\/v2\/.+\/(manifests|blobs)\/([^/?]+)$/.exec(req.url ?? '');
  if (!m) return false;
  const doc = m[1] === 'manifests' && !m[2].startsWith('sha256:') ? rel.top : rel.byDigest.get(m[2]);
  if (!doc) res.writeHead(404).end();
  else res.writeHead(200, { 'content-type': doc.type, 'content-length': doc.body.length, 'docker-content-digest': sha(doc.body) }).end(doc.body);
  return true;
}
