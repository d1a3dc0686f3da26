/**
 * Publishing with our own client into a real registry with token auth: blobs (one PUT, or PATCH
 * chunks), manifest and index; skopeo, an independent client, reads what we wrote, and so does
 * our own pull. A second push skips every blob the registry already has.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchOciRelease } from '../../src/update/oci/fetchOci.js';
import { buildArtifact } from '../../src/update/oci/layout.js';
import { MEDIA } from '../../src/update/oci/manifest.js';
import { Pusher } from '../../src/update/oci/push.js';
import { parseRegistry } from '../../src/update/oci/reference.js';
import { Registry } from '../../src/update/oci/registry.js';
import { haveRegistryTools, skopeoInspectRaw, startRegistry } from '../helpers/registry.js';

const missing = haveRegistryTools();

if (missing.length > 0 && process.env.CI !== 'true') {
  process.stderr.write(`OCI push tests skipped: this machine lacks ${missing.join(', ')}\n`);
  test.skip('push to a registry', () => {});
} else {
  test('push: chunked and monolithic uploads, manifest and index; skopeo and our pull read it; a second push skips the blobs', async () => {
    const r = await startRegistry('token');
    try {
      const ref = parseRegistry(`${r.host}/kubesolo/os`, 'v1.3.0');
      const a = buildArtifact({ kernel: randomBytes(3 * 1024 * 1024 + 17), initramfs: randomBytes(100 * 1024), version: 'v1.3.0', arch: 'amd64', channel: 'stable' });
      const push = async () => {
        const p = new Pusher(new Registry({ ref, plainHttp: true, credentials: null, idleMs: 5000, access: 'pull,push' }), 5000, 1024 * 1024);
        for (const b of a.blobs) await p.blob(b.digest, b.bytes);
        await p.manifest(a.manifest.digest, MEDIA.ociManifest, a.manifest.bytes);
        assert.is(await p.manifest(ref.tag, MEDIA.ociIndex, a.index.bytes), a.index.digest);
        return p.report;
      };
      const first = await push();
      assert.is(first.uploaded.length, 3);
      const again = await push();
      assert.equal([again.uploaded.length, again.skipped.length], [0, 3], 'everything was there already');
      assert.ok(r.issuer!.requests.some((q) => q.scope === 'repository:kubesolo/os:pull,push'), 'a push token was asked for');

      const raw = await skopeoInspectRaw(`${r.host}/kubesolo/os:v1.3.0`);
      assert.is(raw, a.index.bytes.toString('utf8'), 'skopeo reads back the index we wrote, byte for byte');
      const f = await fetchOciRelease({ ref, arch: 'amd64', plainHttp: true, credentials: null, idleMs: 5000, key: null });
      assert.equal([f.release.version, f.release.channel, f.source.digest], ['v1.3.0', 'stable', a.manifest.digest]);
    } finally { await r.close(); }
  });
}

test.run();
