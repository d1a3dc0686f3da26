/**
 * apply against a real HTTP server on 127.0.0.1 serving releases made by `release`, and against
 * servers that misbehave: the documented exit code, one line on stderr, the matching event, and
 * the active slot's files byte for byte as before.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync } from '../helpers/cli.js';
import { env, makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { serve, type TestServer } from '../helpers/updateServer.js';
import { publisher } from '../helpers/publisher.js';
import { tmpDir } from '../helpers/tmp.js';

const pub = publisher(300_000, 900_000);
const { work, pub: PUB } = pub;
const release = pub.release;
const v110 = release('v110', 'v1.1.0', '--channel', 'stable');
const v090 = release('v090', 'v0.9.0');
const arm = release('arm', 'v1.1.0', '--arch', 'arm64');
const stepping = release('stepping', 'v1.1.0', '--min-compatible', 'v1.0.5');

const slotA = (sb: Sandbox) => Object.fromEntries(readdirSync(join(sb.root, 'slots/A')).map((f) => [f, readFileSync(join(sb.root, 'slots/A', f)).toString('base64')]));
const types = (sb: Sandbox) => cliSync(['--root', sb.root, 'events']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const applyWith = (srv: TestServer, sb: Sandbox, ...args: string[]) => cli(['--root', sb.root, 'apply', '--server', srv.url, '--pubkey', PUB, '--http-timeout', '2', ...args]);

function oneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l && !/^kubesolo-update: apply: note:/.test(l));
  assert.is(lines.length, 1, stderr);
  assert.match(lines[0], /^kubesolo-update: apply: /);
  assert.match(lines[0], pattern);
}

test('apply stages a signed release into the passive slot; activate then accepts it', async () => {
  const srv = await serve(v110);
  const sb = makeSandbox();
  const before = slotA(sb);
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, "v1.1.0 staged in slot B; run 'kubesolo-update activate'");
    assert.equal(slotA(sb), before, 'the active slot is untouched');
    assert.is(readFileSync(join(sb.root, 'slots/B/version'), 'utf8'), 'v1.1.0\n');
    assert.ok(readFileSync(join(sb.root, 'slots/B/kubesolo-os.gz')).equals(readFileSync(join(work, 'initramfs'))));
    const ev = types(sb);
    const verified = ev.filter((e) => e.type === 'ArtifactVerified').map((e) => e.data.authenticatedBy);
    assert.equal(verified, ['metadata-signature', 'metadata-signature']);
    assert.is(ev[ev.length - 1].type, 'Staged');
    const again = await applyWith(srv, sb);
    assert.match(again.stdout, 'already staged in slot B');
    assert.is(cliSync(['--root', sb.root, 'activate']).code, 0);
    assert.equal(env(sb).active_slot, 'B');
  } finally { await srv.close(); }
});

test('already up to date: exit 0, no attempt', async () => {
  const srv = await serve(v110);
  const sb = makeSandbox('v1.1.0');
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 0);
    assert.match(r.stdout, 'already up to date (v1.1.0)');
    assert.not.ok(types(sb).some((e) => e.type === 'AttemptStarted'));
  } finally { await srv.close(); }
});

const refusals: Array<[string, string, string[], (sb: Sandbox) => void, number, RegExp, string]> = [
  ['channel mismatch', v110, ['--channel', 'beta'], () => {}, 3, /release channel "stable" does not match the configured channel "beta"/, 'gate:channel'],
  ['downgrade', v090, [], () => {}, 3, /v0\.9\.0 is older than the running v1\.0\.0; pass --allow-downgrade/, 'gate:downgrade'],
  ['architecture', arm, [], () => {}, 3, /the release is for arm64, this node is /, 'gate:architecture'],
  ['min compatible version', stepping, [], () => {}, 3, /the release needs at least v1\.0\.5; this node runs v1\.0\.0 \(update to v1\.0\.5 first\)/, 'gate:min_compatible_version'],
  ['maintenance window closed', v110, ['--maintenance-window', '00:00-00:00'], () => {}, 3, /outside the maintenance window 00:00-00:00; --force applies anyway/, 'UpdateDeferred'],
  ['switch pending', v110, [], (sb) => writeFileSync(sb.grubenv, readFileSync(sb.grubenv).toString('latin1').replace('active_slot=A', 'active_slot=B'), 'latin1'), 3, /a switch to slot B is pending/, 'UpdateDeferred'],
];
for (const [name, dir, args, prepare, code, message, event] of refusals) {
  test(`apply refused (${name}): exit ${code}, one line, ${event}, active slot untouched`, async () => {
    const srv = await serve(dir);
    const sb = makeSandbox();
    prepare(sb);
    const before = slotA(sb);
    try {
      const r = await applyWith(srv, sb, ...args);
      assert.is(r.code, code, r.stdout + r.stderr);
      oneLine(r.stderr, message);
      const ev = types(sb);
      if (event.startsWith('gate:')) {
        const f = ev.find((e) => e.type === 'AttemptFailed');
        assert.equal([f?.data.step, f?.data.gate], ['gate', event.slice(5)]);
      } else {
        assert.ok(ev.some((e) => e.type === event));
        assert.not.ok(ev.some((e) => e.type === 'AttemptStarted'));
      }
      if (name === 'maintenance window closed') assert.is(srv.hits.size, 0, 'no network before the window gate');
      assert.equal(slotA(sb), before);
    } finally { await srv.close(); }
  });
}

test('a wrong SHA-256: exit 1, AttemptFailed verify, the passive slot left unbootable, the active slot untouched', async () => {
  const srv = await serve(v110, { '/vmlinuz': (_q, res) => res.end(Buffer.alloc(300_000, 8)) });
  const sb = makeSandbox();
  const before = slotA(sb);
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 1, r.stdout + r.stderr);
    oneLine(r.stderr, /vmlinuz: SHA-256 [0-9a-f]{64} does not match latest\.json's/);
    const f = types(sb).find((e) => e.type === 'AttemptFailed');
    assert.is(f?.data.step, 'verify');
    assert.not.ok(readdirSync(join(sb.root, 'slots/B')).includes('version'), 'a torn slot has no version file');
    assert.equal(slotA(sb), before);
    assert.is(cliSync(['--root', sb.root, 'activate']).code, 3);
  } finally { await srv.close(); }
});

test('a version rolled back before is refused until --allow-rejected', async () => {
  const srv = await serve(v110);
  const sb = makeSandbox();
  try {
    assert.is((await applyWith(srv, sb)).code, 0);
    assert.is(cliSync(['--root', sb.root, 'activate']).code, 0);
    assert.is(cliSync(['--root', sb.root, 'rollback', '--reason', 'bad release']).code, 0);
    const r = await applyWith(srv, sb);
    assert.is(r.code, 3);
    oneLine(r.stderr, /v1\.1\.0 was rolled back before; pass --allow-rejected to try it again/);
    const ok = await applyWith(srv, sb, '--allow-rejected');
    assert.is(ok.code, 0, ok.stderr);
  } finally { await srv.close(); }
});

test('unsigned metadata with a key fails closed, even with every artifact signed: exit 1, UpdateChecked {error}, no attempt, slot B untouched', async () => {
  // An old signed kernel relabelled as a newer release would pass the downgrade gate: per-artifact
  // signatures bind neither the version nor channel nor min_compatible_version.
  const meta = JSON.parse(readFileSync(join(v110, 'latest.json'), 'utf8'));
  delete meta.metadata_sig_url; delete meta.statement; delete meta.statement_sig;
  const srv = await serve(v110, { '/latest.json': (_q: unknown, res: import('node:http').ServerResponse) => res.end(JSON.stringify(meta)) });
  const sb = makeSandbox();
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 1, r.stderr);
    oneLine(r.stderr, /latest\.json is not signed \(no signed statement\): refusing to act on unauthenticated metadata \(safety rule: authenticated facts only\)/);
    const evs = types(sb);
    assert.not.ok(evs.some((e) => e.type === 'AttemptStarted'), 'not an attempt');
    assert.match(evs.filter((e) => e.type === 'UpdateChecked').pop()!.data.error, /not signed/);
    assert.not.ok(readdirSync(join(sb.root, 'slots/B')).includes('vmlinuz'), 'slot B untouched');
  } finally { await srv.close(); }
});

test('an artifact that is not there: exit 1, AttemptFailed download, nothing staged', async () => {
  const srv = await serve(v110, { '/vmlinuz': (_q, res) => { res.statusCode = 404; res.end(); } });
  const sb = makeSandbox();
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 1);
    oneLine(r.stderr, /vmlinuz: HTTP 404/);
    assert.is(types(sb).find((e) => e.type === 'AttemptFailed')?.data.step, 'download');
  } finally { await srv.close(); }
});

test('--progress json: JSON Lines of bytes, total, rate and ETA on stdout', async () => {
  const srv = await serve(v110);
  const sb = makeSandbox();
  try {
    const r = await applyWith(srv, sb, '--progress', 'json');
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    assert.ok(lines.length >= 2);
    assert.equal(Object.keys(lines[0]), ['artifact', 'bytes', 'total', 'rate', 'eta_s']);
    assert.ok(lines.some((l) => l.artifact === 'kubesolo-os.gz' && l.bytes === l.total));
  } finally { await srv.close(); }
});

test('an artifact that fails with 500 once is retried with backoff and staged', async () => {
  let calls = 0;
  const data = readFileSync(join(v110, 'vmlinuz'));
  const srv = await serve(v110, { '/vmlinuz': (_q, res) => { if (calls++ === 0) { res.statusCode = 500; return res.end(); } res.setHeader('content-length', data.length); res.end(data); } });
  const sb = makeSandbox();
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 0, r.stderr);
    assert.is(calls, 2);
  } finally { await srv.close(); }
});

test('a redirect loop on an artifact: exit 1, AttemptFailed download', async () => {
  const srv = await serve(v110, {
    '/vmlinuz': (_q, res) => { res.statusCode = 301; res.setHeader('location', '/elsewhere'); res.end(); },
    '/elsewhere': (_q, res) => { res.statusCode = 301; res.setHeader('location', '/vmlinuz'); res.end(); },
  });
  const sb = makeSandbox();
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 1);
    oneLine(r.stderr, /redirect loop/);
    assert.is(types(sb).find((e) => e.type === 'AttemptFailed')?.data.step, 'download');
  } finally { await srv.close(); }
});

test('a passive slot too small for the release: gate free_space, exit 3, nothing written', async () => {
  if (process.getuid?.() !== 0) return console.log('    (skipped: mounting a small tmpfs needs root)');
  const { execFileSync, spawnSync } = await import('node:child_process');
  const srv = await serve(v110);
  const sb = makeSandbox();
  const slotB = join(sb.root, 'slots/B');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', slotB]);
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 3, r.stdout + r.stderr);
    oneLine(r.stderr, /slot B has \d+ bytes free; the release needs 1200000 \+ 10 %/);
    const f = types(sb).find((e) => e.type === 'AttemptFailed');
    assert.equal([f?.data.step, f?.data.gate], ['gate', 'free_space']);
    assert.equal(readdirSync(slotB), []);
  } finally {
    spawnSync('umount', [slotB]);
    await srv.close();
  }
});

test('node-block pre-flight: a blocked node defers (exit 3) unless --force; kubectl is a stand-in (no API server here)', async () => {
  const { chmodSync } = await import('node:fs');
  const bin = tmpDir('ksu-kubectl-');
  writeFileSync(join(bin, 'kubectl'), '#!/bin/sh\n[ "$1 $2" = "get node" ] && printf true && exit 0\nexit 9\n');
  chmodSync(join(bin, 'kubectl'), 0o755);
  const kubeconfig = join(bin, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\n');
  const srv = await serve(v110);
  const sb = makeSandbox();
  const envs = { PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: kubeconfig };
  try {
    let r = await cli(['--root', sb.root, 'apply', '--server', srv.url, '--pubkey', PUB], envs);
    assert.is(r.code, 3, r.stderr);
    oneLine(r.stderr, /is blocked by the label updates\.kubesolo\.io\/block=true; --force applies anyway/);
    assert.ok(types(sb).some((e) => e.type === 'UpdateDeferred'));
    assert.is(srv.hits.size, 0);
    r = await cli(['--root', sb.root, 'apply', '--server', srv.url, '--pubkey', PUB, '--force'], envs);
    assert.is(r.code, 0, r.stderr);
  } finally { await srv.close(); }
});

test('a body cut mid-stream is resumed with Range and staged', async () => {
  let cut = 0;
  const srv = await serve(v110, {
    '/kubesolo-os.gz': (req, res) => {
      const data = readFileSync(join(v110, 'kubesolo-os.gz'));
      if (cut++ === 0) { res.setHeader('content-length', data.length); res.write(data.subarray(0, 400_000)); setTimeout(() => res.destroy(), 50); return; }
      const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      const start = m ? Number(m[1]) : 0;
      if (m) { res.statusCode = 206; res.setHeader('content-range', `bytes ${start}-${data.length - 1}/${data.length}`); }
      res.setHeader('content-length', data.length - start);
      res.end(data.subarray(start));
    },
  });
  const sb = makeSandbox();
  try {
    const r = await applyWith(srv, sb);
    assert.is(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(sb.root, 'slots/B/kubesolo-os.gz')).equals(readFileSync(join(work, 'initramfs'))));
    assert.is(cut, 2, 'one retry');
  } finally { await srv.close(); }
});

test('a stalled artifact body: the idle timeout fires, the retry resumes with Range; with no retries left it fails', async () => {
  let stalls = 0;
  const ranges: string[] = [];
  const data = readFileSync(join(v110, 'kubesolo-os.gz'));
  const srv = await serve(v110, {
    '/kubesolo-os.gz': (req, res) => {
      ranges.push(String(req.headers.range ?? ''));
      const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      const start = m ? Number(m[1]) : 0;
      if (m) { res.statusCode = 206; res.setHeader('content-range', `bytes ${start}-${data.length - 1}/${data.length}`); }
      res.setHeader('content-length', data.length - start);
      // The first request sends part of the body and then goes quiet.
      if (stalls++ === 0) { res.write(data.subarray(start, start + 300_000)); return; }
      res.end(data.subarray(start));
    },
  });
  const sb = makeSandbox();
  const before = slotA(sb);
  try {
    const r = await applyWith(srv, sb, '--http-timeout', '1');
    assert.is(r.code, 0, r.stderr);
    assert.equal(ranges, ['', 'bytes=300000-'], 'one stall, then a Range request from the bytes on disk');
    assert.ok(readFileSync(join(sb.root, 'slots/B/kubesolo-os.gz')).equals(data));
    assert.equal(slotA(sb), before);
  } finally { await srv.close(); }

  // A server that stalls every time, and no retries: exit 1, one line, AttemptFailed, no version file.
  const never = await serve(v110, {
    '/kubesolo-os.gz': (_req, res) => { res.setHeader('content-length', data.length); res.write(data.subarray(0, 300_000)); },
  });
  const sb2 = makeSandbox();
  const before2 = slotA(sb2);
  try {
    const r = await applyWith(never, sb2, '--http-timeout', '1', '--http-retries', '0');
    assert.is(r.code, 1, r.stderr);
    oneLine(r.stderr, /kubesolo-os\.gz: the body stalled for 1 s/);
    const failed = types(sb2).find((e) => e.type === 'AttemptFailed');
    assert.is(failed?.data.step, 'download');
    assert.not.ok(existsSync(join(sb2.root, 'slots/B/version')));
    assert.equal(slotA(sb2), before2);
  } finally { await never.close(); }
});

test.run();
