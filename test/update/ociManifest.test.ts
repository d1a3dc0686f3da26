/** The Go agent's OCI layout, read strictly: index → this architecture's manifest → two layers and the annotations. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseManifest, MANIFEST_CAP, ManifestError, MEDIA, parseManifest, releaseOf, type Resolved } from '../../src/update/oci/manifest.js';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const ann = (arch: string) => ({ 'io.kubesolo.os.version': 'v1.2.0', 'io.kubesolo.os.channel': 'stable', 'io.kubesolo.os.architecture': arch, 'io.kubesolo.os.min_compatible_version': 'v1.0.0' });
const manifest = (arch: string, layers = [{ mediaType: MEDIA.kernel, digest: d(1), size: 10 }, { mediaType: MEDIA.initramfs, digest: d(2), size: 5 }]) =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d(9), size: 2 }, layers, annotations: ann(arch) }));
const index = (archs: string[]) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex,
  manifests: archs.map((a, i) => ({ mediaType: MEDIA.ociManifest, digest: d(100 + i), size: 900, platform: { architecture: a, os: 'linux' } })) }));

const refused = (fn: () => unknown, pattern: RegExp) => {
  try { fn(); } catch (e) {
    assert.instance(e, ManifestError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('accepted');
};

test('an index: the manifest for this architecture is chosen', () => {
  const r = parseManifest(index(['amd64', 'arm64']), MEDIA.ociIndex);
  assert.is(r.kind, 'index');
  assert.is(chooseManifest(r as Extract<Resolved, { kind: 'index' }>, 'arm64').digest, d(101));
  refused(() => chooseManifest(r as Extract<Resolved, { kind: 'index' }>, 'riscv64'), /no manifest for riscv64 \(it offers amd64, arm64\)/);
  refused(() => chooseManifest(parseManifest(index(['amd64', 'amd64']), null) as Extract<Resolved, { kind: 'index' }>, 'amd64'), /2 manifests for amd64; refusing to guess/);
});

test('a manifest gives the release: version, channel, minimum, the two layers', () => {
  const m = parseManifest(manifest('amd64'), MEDIA.ociManifest) as Extract<Resolved, { kind: 'manifest' }>;
  const r = releaseOf(m, 'amd64', false);
  assert.equal([r.version, r.channel, r.minCompatibleVersion, r.architecture], ['v1.2.0', 'stable', 'v1.0.0', 'amd64']);
  assert.equal([r.kernel.digest, r.initramfs.digest], [d(1), d(2)]);
});

test('a single manifest of another architecture is refused; from an index the index chose', () => {
  const m = parseManifest(manifest('arm64'), null) as Extract<Resolved, { kind: 'manifest' }>;
  refused(() => releaseOf(m, 'amd64', false), /single manifest for arm64 .* this node is amd64/);
  assert.is(releaseOf(m, 'amd64', true).version, 'v1.2.0');
});

test('hostile documents are refused with what was found', () => {
  refused(() => parseManifest(Buffer.alloc(MANIFEST_CAP + 1, 32), null), /over the 4194304-byte limit/);
  refused(() => parseManifest(Buffer.from('<html>'), null), /not JSON/);
  refused(() => parseManifest(Buffer.from('{"schemaVersion":2}'), 'text/html'), /"text\/html", not an image index or manifest/);
  refused(() => parseManifest(Buffer.from('{"schemaVersion":1,"mediaType":"application/vnd.oci.image.manifest.v1+json"}'), null), /schemaVersion 1/);
  const md5 = manifest('amd64', [{ mediaType: MEDIA.kernel, digest: 'md5:abc', size: 1 }, { mediaType: MEDIA.initramfs, digest: d(2), size: 5 }]);
  refused(() => parseManifest(md5, null), /"md5:abc" is not sha256/);
  const twoKernels = parseManifest(manifest('amd64', [{ mediaType: MEDIA.kernel, digest: d(1), size: 1 }, { mediaType: MEDIA.kernel, digest: d(3), size: 1 }]), null);
  refused(() => releaseOf(twoKernels as Extract<Resolved, { kind: 'manifest' }>, 'amd64', false), /2 kernel layers .*; it needs exactly one/);
});

test.run();
