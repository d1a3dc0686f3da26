/**
 * Pulling from real registries (Debian's docker-registry 2.8 on 127.0.0.1): open, htpasswd
 * basic auth, and token auth against the test's issuer. The artifacts are pushed by skopeo from
 * an OCI layout, so what we read was written by an independent client.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { download } from '../../src/update/download.js';
import { HttpError } from '../../src/update/http.js';
import { chooseManifest, parseManifest, releaseOf, type Resolved } from '../../src/update/oci/manifest.js';
import { parseRegistry } from '../../src/update/oci/reference.js';
import { Registry, type Credentials } from '../../src/update/oci/registry.js';
import { fetchOciRelease } from '../../src/update/oci/fetchOci.js';
import { haveRegistryTools, pushWithSkopeo, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';
import { rejects as rejectsWith } from '../helpers/rejects.js';

const missing = haveRegistryTools();
const ann = { 'io.kubesolo.os.version': 'v1.2.0', 'io.kubesolo.os.channel': 'stable', 'io.kubesolo.os.architecture': 'amd64' };
const kernel = randomBytes(3 * 1024 * 1024), initramfs = randomBytes(200 * 1024);

const client = (r: TestRegistry, credentials: Credentials | null = null) =>
  new Registry({ ref: parseRegistry(`${r.host}/kubesolo/os`, 'v1.2.0'), plainHttp: true, credentials, idleMs: 5000 });

/** tag → index → this architecture's manifest → the release, as apply will walk it. */
async function resolve(reg: Registry) {
  const top = await reg.manifest('v1.2.0');
  const index = parseManifest(top.body, top.contentType) as Extract<Resolved, { kind: 'index' }>;
  assert.is(index.kind, 'index');
  const entry = chooseManifest(index, 'amd64');
  const m = await reg.manifest(entry.digest);
  assert.is(m.digest, entry.digest);
  return releaseOf(parseManifest(m.body, m.contentType) as Extract<Resolved, { kind: 'manifest' }>, 'amd64', true);
}

const rejects = (p: Promise<unknown>, pattern: RegExp) => rejectsWith(p, HttpError, pattern);

if (missing.length > 0 && process.env.CI !== 'true') {
  process.stderr.write(`OCI registry tests skipped: this machine lacks ${missing.join(', ')} (.ci/run installs docker-registry, skopeo, apache2-utils)\n`);
  test.skip('pull from real registries', () => {});
} else {
  test('open registry: the tag resolves to the index, the amd64 manifest, and blobs that stream to their digests', async () => {
    assert.equal(missing, [], `needs ${missing.join(', ')}`);
    const r = await startRegistry('open');
    try {
      await pushWithSkopeo([{ kernel, initramfs, annotations: ann }, { kernel: randomBytes(10), initramfs: randomBytes(10), annotations: { ...ann, 'io.kubesolo.os.architecture': 'arm64' }, arch: 'arm64' }], `${r.host}/kubesolo/os`, 'v1.2.0');
      const reg = client(r);
      const rel = await resolve(reg);
      assert.is(rel.version, 'v1.2.0');
      assert.is(rel.kernel.size, kernel.length);
      const got = await download({ url: reg.blobUrl(rel.kernel.digest), path: join(tmpDir(), 'vmlinuz'), idleMs: 5000, resumeFrom: 0, expected: rel.kernel.size, now: Date.now, onDurable: async () => {}, authorize: reg.authorize });
      assert.is(`sha256:${got.sha256}`, rel.kernel.digest);
    } finally { await r.close(); }
  });

  test('fetchOciRelease: the release in latest.json\'s shape, its source naming the manifest digest; another architecture is refused by name', async () => {
    const r = await startRegistry('open');
    try {
      await pushWithSkopeo([{ kernel, initramfs, annotations: ann }], `${r.host}/kubesolo/os`, 'v1.2.0');
      const ref = parseRegistry(`${r.host}/kubesolo/os`, 'v1.2.0');
      const f = await fetchOciRelease({ ref, arch: 'amd64', plainHttp: true, credentials: null, idleMs: 5000, key: null });
      assert.is(f.release.version, 'v1.2.0');
      assert.is(f.release.channel, 'stable');
      assert.equal(f.release.artifacts.map((a) => [a.name, a.size]), [['vmlinuz', kernel.length], ['kubesolo-os.gz', initramfs.length]]);
      assert.match(f.url, new RegExp(`^${r.host.replace(/\./g, '\\.')}/kubesolo/os:v1\\.2\\.0@sha256:[0-9a-f]{64}$`));
      assert.is(f.source.digest, f.url.split('@')[1]);
      const got = await download({ url: f.release.artifacts[1].url, path: join(tmpDir(), 'initramfs'), idleMs: 5000, resumeFrom: 0, expected: initramfs.length, now: Date.now, onDurable: async () => {}, authorize: f.authorize });
      assert.is(got.sha256, f.release.artifacts[1].sha256);
      try {
        await fetchOciRelease({ ref, arch: 'arm64', plainHttp: true, credentials: null, idleMs: 5000, key: null });
        assert.unreachable('arm64 is not offered');
      } catch (e) {
        assert.match((e as Error).message, /kubesolo\/os:v1\.2\.0: the image index has no manifest for arm64 \(it offers amd64\)/);
      }
    } finally { await r.close(); }
  });

  test('basic auth: no credentials and a wrong password are refused by name; the right ones pull', async () => {
    const r = await startRegistry('basic', { alice: 's3cret' });
    try {
      await pushWithSkopeo([{ kernel, initramfs, annotations: ann }], `${r.host}/kubesolo/os`, 'v1.2.0', 'alice:s3cret');
      await rejects(client(r).manifest('v1.2.0'), new RegExp(`registry ${r.host.replace(/\./g, '\\.')} \\(kubesolo/os\\) asks for a login \\(Basic\\) and no credentials are configured`));
      await rejects(client(r, { username: 'alice', password: 'wrong' }).manifest('v1.2.0'), /still answered 401 .*access denied/);
      assert.is((await resolve(client(r, { username: 'alice', password: 's3cret' }))).version, 'v1.2.0');
    } finally { await r.close(); }
  });

  test('token auth: a pull-only token from the realm; credentials never go to a realm on another origin', async () => {
    const r = await startRegistry('token');
    try {
      await pushWithSkopeo([{ kernel, initramfs, annotations: ann }], `${r.host}/kubesolo/os`, 'v1.2.0');
      const before = r.issuer!.requests.length;
      const rel = await resolve(client(r, { username: 'alice', password: 's3cret' }));
      assert.is(rel.version, 'v1.2.0');
      const ours = r.issuer!.requests.slice(before);
      assert.ok(ours.length >= 1);
      for (const q of ours) {
        assert.is(q.scope, 'repository:kubesolo/os:pull', 'pull only');
        assert.is(q.service, 'ksu-test-registry');
        assert.is(q.authorization, null, 'the realm is another origin than the registry: asked anonymously');
      }
    } finally { await r.close(); }
  });
}

test.run();
