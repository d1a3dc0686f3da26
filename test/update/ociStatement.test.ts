/**
 * `release --push` into a real registry (Debian's docker-registry, with htpasswd logins read
 * from a Docker config.json), and the signed statement it stores beside the release: apply
 * with a key installs it and records the serial; a replayed older publication under the same
 * tag, an expired statement and one naming another manifest are refused, with one line.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pushRelease } from '../../src/update/oci/publish.js';
import { parseReference } from '../../src/update/oci/reference.js';
import { signStatement, statementOf } from '../../src/update/releaseStatement.js';
import { cli, cliSync } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { haveRegistryTools, skopeoInspectRaw, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { readFileSync } from 'node:fs';

const missing = haveRegistryTools();
const pub = publisher(1024 * 1024, 256 * 1024);
const creds = { username: 'alice', password: 's3cret' };
const dockerConfig = join(pub.work, 'config.json');
const events = (root: string) => cliSync(['--root', root, 'events']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; attempt?: string; data: Record<string, unknown> });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /^kubesolo-update: \w+: /.test(l) && !/: (note|warning): /.test(l));

async function push(r: TestRegistry, version: string, tag: string, ...extra: string[]) {
  const res = await cli(['release', '--version', version, '--kernel', join(pub.work, 'kernel'), '--initramfs', join(pub.work, 'initramfs'),
    '--key', join(pub.keys, 'update.key'), '--push', `${r.host}/kubesolo/os:${tag}`, '--plain-http', '--docker-config', dockerConfig, '--json', ...extra]);
  assert.is(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as { serial: number; pushed: { manifest: string; statement_tag: string; uploaded: number; skipped: number } };
}

const node = (r: TestRegistry, tag: string) => ['--registry', `${r.host}/kubesolo/os`, '--tag', tag, '--plain-http', '--docker-config', dockerConfig, '--pubkey', pub.pub, '--http-timeout', '5'];

if (missing.length > 0 && process.env.CI !== 'true') {
  process.stderr.write(`OCI statement tests skipped: this machine lacks ${missing.join(', ')}\n`);
  test.skip('signed statements in a registry', () => {});
} else {
  writeFileSync(dockerConfig, JSON.stringify({ auths: {} }));

  test('release --push publishes release and statement with a login; apply with a key installs it and records the serial', async () => {
    const r = await startRegistry('basic', { alice: 's3cret' });
    try {
      writeFileSync(dockerConfig, JSON.stringify({ auths: { [r.host]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } } }));
      const p = await push(r, 'v1.1.0', 'stable', '--serial', '100');
      assert.equal([p.pushed.statement_tag, p.pushed.uploaded], ['stable.kubesolo-statement.amd64', 4], 'config, kernel, initramfs, statement (the statement shares the config {})');
      const raw = JSON.parse(await skopeoInspectRaw(`${r.host}/kubesolo/os:stable.kubesolo-statement.amd64`, 'alice:s3cret'));
      assert.is(raw.layers[0].mediaType, 'application/vnd.kubesolo.os.statement.v1+json', 'skopeo reads the statement manifest');
      const again = await push(r, 'v1.1.0', 'stable', '--serial', '101');
      assert.ok(again.pushed.skipped >= 3, 'the kernel, initramfs and config were there already');
      const sb = makeSandbox('v1.0.0');
      const a = await cli(['--root', sb.root, 'apply', ...node(r, 'stable')]);
      assert.is(a.code, 0, a.stderr);
      assert.equal(readFileSync(join(sb.root, 'slots/B/vmlinuz')), readFileSync(join(pub.work, 'kernel')));
      const evs = events(sb.root);
      const fetched = evs.find((e) => e.type === 'MetadataFetched')!;
      assert.equal([fetched.data.signed, fetched.data.serial, fetched.data.channel, fetched.data.architecture], [true, 101, 'stable', 'amd64']);
      const started = evs.find((e) => e.type === 'AttemptStarted')!;
      assert.is(started.data.source, `${r.host}/kubesolo/os:stable@${again.pushed.manifest}`);
      assert.is((evs.find((e) => e.type === 'UpdateChecked')!.data.statement as { serial: number }).serial, 101);
      const h = cliSync(['--root', sb.root, 'history', '--attempt', started.attempt!]);
      assert.is(h.code, 0, h.stderr);
      assert.match(h.stdout, new RegExp(`AttemptStarted .*"source":"${r.host}/kubesolo/os:stable@${again.pushed.manifest}"`));
      assert.ok(!JSON.stringify(evs).includes('s3cret') && !JSON.stringify(evs).includes(Buffer.from('alice:s3cret').toString('base64')), 'no credential in the log');
    } finally { await r.close(); }
  });

  test('a replayed older publication under the same tag is refused once a newer serial was accepted', async () => {
    const r = await startRegistry('open');
    try {
      await push(r, 'v1.2.0', 'stable', '--serial', '200');
      const sb = makeSandbox('v1.0.0');
      const first = await cli(['--root', sb.root, 'check', ...node(r, 'stable')]);
      assert.is(first.code, 0, first.stderr);
      await push(r, 'v1.1.0', 'stable', '--serial', '100');
      const replay = await cli(['--root', sb.root, 'check', ...node(r, 'stable')]);
      assert.is(replay.code, 1);
      const lines = errorLines(replay.stderr);
      assert.is(lines.length, 1, replay.stderr);
      assert.match(lines[0], /the signed statement at 127\.0\.0\.1:\d+\/kubesolo\/os:stable@sha256:[0-9a-f]{64} has serial 100, older than serial 200 this node already accepted/);
      const a = await cli(['--root', sb.root, 'apply', ...node(r, 'stable')]);
      assert.is(a.code, 1, 'apply refuses it too');
      assert.ok(!events(sb.root).some((e) => e.type === 'AttemptStarted'), 'no attempt');
    } finally { await r.close(); }
  });

  test('an expired statement, and one naming another manifest, are refused with what they say', async () => {
    const r = await startRegistry('open');
    try {
      const spec = { kernel: readFileSync(join(pub.work, 'kernel')), initramfs: randomBytes(1000), version: 'v1.3.0', arch: 'amd64', channel: 'stable' };
      const base = { source: `${r.host}/kubesolo/os`, version: 'v1.3.0', channel: 'stable', architecture: 'amd64', minCompatible: null, serial: 300 };
      const key = readFileSync(join(pub.keys, 'update.key'), 'utf8');
      const o = { plainHttp: true, credentials: null, idleMs: 5000 };
      await pushRelease({ ...o, ref: parseReference(`${r.host}/kubesolo/os:old`) }, spec,
        (manifest) => signStatement(statementOf({ ...base, publishedMs: Date.parse('2020-01-01T00:00:00Z'), expiresInDays: 30 }, { manifest }), key));
      await pushRelease({ ...o, ref: parseReference(`${r.host}/kubesolo/os:swapped`) }, spec,
        () => signStatement(statementOf({ ...base, publishedMs: Date.now(), expiresInDays: 30 }, { manifest: `sha256:${'0'.repeat(64)}` }), key));
      const sb = makeSandbox('v1.0.0');
      const old = await cli(['--root', sb.root, 'check', ...node(r, 'old')]);
      assert.is(old.code, 1);
      assert.match(errorLines(old.stderr)[0], /\(serial 300\) expired at 2020-01-31T00:00:00\.000Z/);
      const swapped = await cli(['--root', sb.root, 'check', ...node(r, 'swapped')]);
      assert.is(swapped.code, 1);
      assert.match(errorLines(swapped.stderr)[0], /the signed statement under swapped\.kubesolo-statement\.amd64 binds sha256:0{64}, but swapped resolves to sha256:[0-9a-f]{64} for amd64: refusing it/);
    } finally { await r.close(); }
  });
}

test.run();
