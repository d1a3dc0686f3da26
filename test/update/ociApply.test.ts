/**
 * check and apply from a real registry (Debian's docker-registry, the artifact pushed by
 * skopeo), through the real CLI into a sandbox node: the same gates, events and staging as
 * over HTTP, the attempt's source naming the manifest digest, and fail-closed with a key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { haveRegistryTools, pushWithSkopeo, startRegistry } from '../helpers/registry.js';
import { makeSandbox } from '../helpers/sandbox.js';

const missing = haveRegistryTools();
const kernel = randomBytes(2 * 1024 * 1024), initramfs = randomBytes(300 * 1024);
const ann = { 'io.kubesolo.os.version': 'v1.1.0', 'io.kubesolo.os.channel': 'stable', 'io.kubesolo.os.architecture': 'amd64' };
const events = (root: string) => cliSync(['--root', root, 'events']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });

if (missing.length > 0 && process.env.CI !== 'true') {
  process.stderr.write(`OCI apply tests skipped: this machine lacks ${missing.join(', ')}\n`);
  test.skip('check and apply from a registry', () => {});
} else {
  test('check and apply --registry --tag: staged in the passive slot, the source naming registry, tag and manifest digest', async () => {
    const r = await startRegistry('open');
    try {
      await pushWithSkopeo([{ kernel, initramfs, annotations: ann }], `${r.host}/kubesolo/os`, 'stable');
      const sb = makeSandbox('v1.0.0');
      const from = ['--registry', `${r.host}/kubesolo/os`, '--tag', 'stable', '--plain-http'];
      const c = await cli(['--root', sb.root, 'check', ...from, '--json']);
      assert.is(c.code, 0, c.stderr);
      const offer = JSON.parse(c.stdout) as { latest: string; available: boolean; would_apply: boolean };
      assert.equal([offer.latest, offer.available, offer.would_apply], ['v1.1.0', true, true]);
      const a = await cli(['--root', sb.root, 'apply', ...from]);
      assert.is(a.code, 0, a.stderr);
      assert.equal(readFileSync(join(sb.root, 'slots/B/vmlinuz')), kernel);
      assert.equal(readFileSync(join(sb.root, 'slots/B/kubesolo-os.gz')), initramfs);
      assert.is(readFileSync(join(sb.root, 'slots/B/version'), 'utf8').trim(), 'v1.1.0');
      const started = events(sb.root).find((e) => e.type === 'AttemptStarted')!;
      assert.match(String(started.data.source), new RegExp(`^${r.host.replace(/\./g, '\\.')}/kubesolo/os:stable@sha256:[0-9a-f]{64}$`));
      const verified = events(sb.root).filter((e) => e.type === 'ArtifactVerified').map((e) => e.data.sha256);
      assert.equal(verified, [kernel, initramfs].map((b) => createHash('sha256').update(b).digest('hex')));
    } finally { await r.close(); }
  });

  test('with a public key configured, an unsigned registry release is refused (fail closed), slot B untouched', async () => {
    const r = await startRegistry('open');
    try {
      await pushWithSkopeo([{ kernel, initramfs, annotations: ann }], `${r.host}/kubesolo/os`, 'stable');
      const sb = makeSandbox('v1.0.0');
      const a = await cli(['--root', sb.root, 'apply', '--registry', `${r.host}/kubesolo/os`, '--tag', 'stable', '--plain-http', '--pubkey', publisher(10, 10).pub]);
      assert.is(a.code, 1, a.stderr);
      assert.match(a.stderr, /unsigned|not signed|signature/i);
      assert.ok(!events(sb.root).some((e) => e.type === 'AttemptStarted'), 'no attempt');
    } finally { await r.close(); }
  });
}

test.run();
