/**
 * More registries that misbehave: a tag that names something other than an image index or
 * manifest, no manifest for this node's architecture (on the real registry, pushed by skopeo),
 * a token realm on another origin that asks for more than pull, and a blob redirected to
 * storage that answers 500. Each is refused with one message naming the registry and what it
 * answered, and no credential leaves the registry's origin.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentError } from '../../src/errors.js';
import { download } from '../../src/update/download.js';
import { HttpError } from '../../src/update/http.js';
import { fetchOciRelease } from '../../src/update/oci/fetchOci.js';
import { MEDIA } from '../../src/update/oci/manifest.js';
import { parseRegistry } from '../../src/update/oci/reference.js';
import { Registry } from '../../src/update/oci/registry.js';
import { cli } from '../helpers/cli.js';
import { answer, fakeRelease, server, sha } from '../helpers/fakeRegistry.js';
import { haveRegistryTools, pushWithSkopeo, startRegistry } from '../helpers/registry.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';
import { rejects as rejectsWith } from '../helpers/rejects.js';

const creds = { username: 'alice', password: 's3cret' };
const pull = (host: string, tag = 'v1', arch = 'amd64') => fetchOciRelease({ ref: parseRegistry(`${host}/kubesolo/os`, tag), arch, plainHttp: true, credentials: creds, idleMs: 5000, key: null });

const refused = (p: Promise<unknown>, pattern: RegExp) => rejectsWith(p, AgentError, pattern);

test('a tag that names an image config, a Docker schema 1 manifest or an HTML page is refused by its type', async () => {
  const answers: Record<string, { type: string; body: string }> = {
    config: { type: 'application/vnd.oci.image.config.v1+json', body: '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' },
    schema1: { type: 'application/vnd.docker.distribution.manifest.v1+prettyjws', body: '{"schemaVersion":1,"name":"kubesolo/os","tag":"schema1","architecture":"amd64","fsLayers":[]}' },
    html: { type: 'text/html', body: '<html><body>Sign in</body></html>' },
  };
  const s = await server((req, res) => {
    const a = answers[req.url!.split('/').pop()!];
    res.writeHead(200, { 'content-type': `${a.type}; charset=utf-8` }).end(a.body);
  });
  const at = `127\\.0\\.0\\.1:${s.port}/kubesolo/os`;
  try {
    await refused(pull(`127.0.0.1:${s.port}`, 'config'), new RegExp(`^${at}:config: the registry answered a "application/vnd\\.oci\\.image\\.config\\.v1\\+json", not an image index or manifest$`));
    await refused(pull(`127.0.0.1:${s.port}`, 'schema1'), new RegExp(`^${at}:schema1: the registry answered a "application/vnd\\.docker\\.distribution\\.manifest\\.v1\\+prettyjws", not an image index or manifest$`));
    await refused(pull(`127.0.0.1:${s.port}`, 'html'), new RegExp(`^${at}:html: the manifest is not JSON \\(the registry answered "text/html"\\)$`));
  } finally { await s.close(); }
});

test('an index whose entry for this architecture is not a manifest is refused by that entry\'s type', async () => {
  const config = Buffer.from('{}');
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: 2, platform: { architecture: 'amd64', os: 'linux' } }] }));
  const s = await server((_req, res) => res.writeHead(200, { 'content-type': MEDIA.ociIndex }).end(index));
  try {
    await refused(pull(`127.0.0.1:${s.port}`), /:v1: the image index's entry for amd64 is a "application\/vnd\.oci\.image\.config\.v1\+json", not an image manifest$/);
    assert.is(s.seen.length, 1, 'the entry is not fetched');
  } finally { await s.close(); }
});

const missing = haveRegistryTools();
if (missing.length > 0 && process.env.CI !== 'true') {
  process.stderr.write(`missing-architecture tests skipped: this machine lacks ${missing.join(', ')}\n`);
} else {
  test('real registry: an index for arm64 only, or a single manifest without an architecture, is refused for amd64 (through check: exit 1, one line)', async () => {
    const r = await startRegistry('open');
    const art = { kernel: randomBytes(1024), initramfs: randomBytes(1024) };
    try {
      await pushWithSkopeo([{ ...art, annotations: { 'io.kubesolo.os.version': 'v1.1.0', 'io.kubesolo.os.architecture': 'arm64' }, arch: 'arm64' }], `${r.host}/kubesolo/os`, 'arm');
      await pushWithSkopeo([{ ...art, annotations: { 'io.kubesolo.os.version': 'v1.1.0' } }], `${r.host}/kubesolo/os`, 'single', undefined, { single: true });
      const at = `${r.host.replace(/\./g, '\\.')}/kubesolo/os`;
      await refused(pull(r.host, 'arm'), new RegExp(`^${at}:arm: the image index has no manifest for amd64 \\(it offers arm64\\)$`));
      await refused(pull(r.host, 'single'), new RegExp(`^${at}:single: the tag names a single manifest for no architecture \\(io\\.kubesolo\\.os\\.architecture\\); this node is amd64$`));
      const c = await cli(['--root', makeSandbox('v1.0.0').root, 'check', '--registry', `${r.host}/kubesolo/os`, '--tag', 'arm', '--plain-http']);
      assert.is(c.code, 1, c.stderr);
      const lines = c.stderr.split('\n').filter((l) => l && !/warning: no public key configured/.test(l));
      assert.equal(lines.length, 1, c.stderr);
      assert.match(lines[0], new RegExp(`^kubesolo-update: check: ${at}:arm: the image index has no manifest for amd64 \\(it offers arm64\\)$`));
    } finally { await r.close(); }
  });
}

test('a token realm on another origin gets no credentials and a pull-only scope, whatever the challenge asked', async () => {
  const issuer = await server((_req, res) => res.end('{"token":"pull-token"}'));
  const rel = fakeRelease(randomBytes(64), randomBytes(64));
  const reg = await server((req, res) => {
    if (req.headers.authorization === 'Bearer pull-token' && answer(rel, req, res)) return;
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${issuer.port}/token",service="registry.example",scope="repository:kubesolo/os:push,pull,*"` }).end();
  });
  try {
    const f = await pull(`127.0.0.1:${reg.port}`);
    assert.is(f.release.version, 'v1.1.0');
    assert.is(issuer.seen.length, 1, 'one token, kept for the index and the manifest');
    const q = new URL(issuer.seen[0].url!, 'http://x');
    assert.is(issuer.seen[0].headers.authorization, undefined, 'the realm is another origin: asked anonymously');
    assert.equal(q.searchParams.getAll('scope'), ['repository:kubesolo/os:pull'], 'pull only');
    assert.is(q.searchParams.get('service'), 'registry.example');
    for (const r of reg.seen) assert.ok(!/^Basic /.test(r.headers.authorization ?? ''), 'the registry was never sent the password either: it asked for a token');
  } finally { await reg.close(); await issuer.close(); }
});

test('a token realm the operator named (registry_auth_realm=) gets the login, as Docker Hub needs; still pull only', async () => {
  const issuer = await server((_req, res) => res.end('{"token":"pull-token"}'));
  const rel = fakeRelease(randomBytes(64), randomBytes(64));
  const reg = await server((req, res) => {
    if (req.headers.authorization === 'Bearer pull-token' && answer(rel, req, res)) return;
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${issuer.port}/token",service="registry.example",scope="repository:kubesolo/os:push,pull"` }).end();
  });
  try {
    const f = await fetchOciRelease({ ref: parseRegistry(`127.0.0.1:${reg.port}/kubesolo/os`, 'v1'), arch: 'amd64', plainHttp: true, credentials: creds, idleMs: 5000, key: null, authRealm: `http://127.0.0.1:${issuer.port}` });
    assert.is(f.release.version, 'v1.1.0');
    assert.is(issuer.seen[0].headers.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    assert.equal(new URL(issuer.seen[0].url!, 'http://x').searchParams.getAll('scope'), ['repository:kubesolo/os:pull']);
  } finally { await reg.close(); await issuer.close(); }
});

test('a blob redirected to storage that answers 500: one message naming the blob, no pre-signed query, no Authorization at the storage', async () => {
  const storage = await server((_req, res) => res.writeHead(500).end('upstream broke'));
  const blob = randomBytes(64);
  const reg = await server((req, res) => {
    if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
    if (req.url!.includes('/manifests/')) return void res.writeHead(200, { 'content-type': MEDIA.ociManifest }).end(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, layers: [] }));
    res.writeHead(307, { location: `http://127.0.0.1:${storage.port}/bucket/blob?X-Amz-Signature=presigned&X-Amz-Credential=AKIA` }).end();
  });
  try {
    const c = new Registry({ ref: parseRegistry(`127.0.0.1:${reg.port}/kubesolo/os`, 'v1'), plainHttp: true, credentials: creds, idleMs: 5000 });
    await c.manifest('v1');
    const url = c.blobUrl(sha(blob));
    try {
      await download({ url, path: join(tmpDir(), 'blob'), idleMs: 2000, resumeFrom: 0, expected: blob.length, now: Date.now, onDurable: async () => {}, authorize: c.authorize, retries: 0 });
      assert.unreachable('the storage failed');
    } catch (e) {
      assert.instance(e, HttpError);
      assert.ok((e as HttpError).transient, 'a 5xx is worth a retry');
      const escaped = url.replace(/[.:/]/g, (x) => `\\${x}`);
      assert.match((e as Error).message, new RegExp(`^GET ${escaped} \\(redirected to http://127\\.0\\.0\\.1:${storage.port}/bucket/blob\\): HTTP 500 Internal Server Error$`));
      assert.not.match((e as Error).message, /Signature|Credential|presigned|AKIA/);
    }
    assert.is(storage.seen.length, 1);
    assert.is(storage.seen[0].headers.authorization, undefined, 'the Basic credentials stay with the registry');
  } finally { await reg.close(); await storage.close(); }
});

test.run();
