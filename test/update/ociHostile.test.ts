/**
 * Registries that misbehave, served here on 127.0.0.1 (Debian's registry cannot be made to):
 * a 401 that never ends, a manifest that is not what it says, one of 50 MB, one that never
 * comes, and a blob redirected to storage on another origin that then fails. Each is refused
 * with one message that names the registry, and no credential leaves the registry's origin.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { download } from '../../src/update/download.js';
import { HttpError } from '../../src/update/http.js';
import { MEDIA } from '../../src/update/oci/manifest.js';
import { parseRegistry } from '../../src/update/oci/reference.js';
import { Registry } from '../../src/update/oci/registry.js';
import { server, sha } from '../helpers/fakeRegistry.js';
import { tmpDir } from '../helpers/tmp.js';
import { rejects as rejectsWith } from '../helpers/rejects.js';

const client = (port: number, idleMs = 5000) => new Registry({ ref: parseRegistry(`127.0.0.1:${port}/kubesolo/os`, 'v1'), plainHttp: true, credentials: { username: 'alice', password: 's3cret' }, idleMs });

const rejects = (p: Promise<unknown>, pattern: RegExp) => rejectsWith(p, HttpError, pattern);

const manifestBody = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, layers: [] }));

test('a 401 after the token was sent is one "access denied", not a loop', async () => {
  const s = await server((req, res, port) => {
    if (req.url!.startsWith('/token')) return void res.end('{"token":"t"}');
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="x"` }).end();
  });
  try {
    await rejects(client(s.port).manifest('v1'), /registry 127\.0\.0\.1:\d+ \(kubesolo\/os\) still answered 401 after a token was sent: access denied/);
    assert.is(s.seen.filter((r) => r.url!.startsWith('/token')).length, 1, 'one token asked for');
    assert.is(s.seen.filter((r) => r.url!.startsWith('/v2/')).length, 2, 'one retry');
  } finally { await s.close(); }
});

test('a manifest that hashes to another digest than the registry names is refused', async () => {
  const s = await server((_req, res) => res.writeHead(200, { 'content-type': MEDIA.ociManifest, 'docker-content-digest': sha(Buffer.from('other')) }).end(manifestBody));
  try {
    await rejects(client(s.port).manifest('v1'), /the manifest v1 hashes to sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} the registry named/);
    await rejects(client(s.port).manifest(sha(Buffer.from('asked'))), /hashes to/);
  } finally { await s.close(); }
});

test('a 50 MB manifest is refused from its length, without reading it', async () => {
  const s = await server((_req, res) => { res.writeHead(200, { 'content-type': MEDIA.ociManifest, 'content-length': 50 * 1024 * 1024 }); res.write(Buffer.alloc(1024)); });
  try {
    await rejects(client(s.port).manifest('v1'), /the manifest v1 from registry 127\.0\.0\.1:\d+ \(kubesolo\/os\) is 52428800 bytes, more than the 4194304 allowed/);
  } finally { await s.close(); }
});

test('a registry that never answers is given up after the idle timeout', async () => {
  const s = await server(() => { /* never answers */ });
  try {
    await rejects(client(s.port, 300).manifest('v1'), /no answer for 0\.3 s/);
  } finally { await s.close(); }
});

test('a blob redirected to storage on another origin: no Authorization goes there; its failure is the download\'s', async () => {
  const storage = await server((req) => { req.socket.destroy(); });
  const reg = await server((req, res, port) => {
    if (req.url!.startsWith('/token')) return void res.end('{"token":"secret-token"}');
    if (req.headers.authorization !== 'Bearer secret-token') return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="x"` }).end();
    if (req.url!.includes('/manifests/')) return void res.writeHead(200, { 'content-type': MEDIA.ociManifest }).end(manifestBody);
    res.writeHead(307, { location: `http://127.0.0.1:${storage.port}/bucket/blob?X-Signature=presigned` }).end();
  });
  try {
    const c = client(reg.port);
    await c.manifest('v1');
    const digest = sha(Buffer.from('blob'));
    try {
      await download({ url: c.blobUrl(digest), path: join(tmpDir(), 'blob'), idleMs: 2000, resumeFrom: 0, expected: 4, now: Date.now, onDurable: async () => {}, authorize: c.authorize, retries: 0 });
      assert.unreachable('the storage failed');
    } catch (e) {
      assert.ok(e instanceof Error);
      // The message goes into AttemptFailed, kept forever and served at /events.
      assert.not.match((e as Error).message, /X-Signature|presigned/, 'no pre-signed query in the message');
      assert.match((e as Error).message, /redirected to http:\/\/127\.0\.0\.1:\d+\/bucket\/blob/);
    }
    assert.ok(storage.seen.length >= 1, 'the redirect was followed');
    for (const r of storage.seen) assert.is(r.headers.authorization, undefined, 'no credential crosses to another origin');
    assert.ok(reg.seen.some((r) => r.url!.includes('/blobs/') && r.headers.authorization === 'Bearer secret-token'), 'the registry itself got the token');
  } finally { await reg.close(); await storage.close(); }
});

test.run();
