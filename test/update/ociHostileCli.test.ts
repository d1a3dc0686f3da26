/**
 * Misbehaving registries through the real CLI: a blob that stalls mid-body (a transient
 * download failure whose bytes are recorded, so the next apply resumes with Range), and over
 * https a token realm in plain http and a blob redirected to plain http (both refused before a
 * byte goes there). Each ends with exit 1 and one line on stderr naming the registry.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync, type CliResult } from '../helpers/cli.js';
import { answer, fakeRelease, selfSigned, server } from '../helpers/fakeRegistry.js';
import { makeSandbox } from '../helpers/sandbox.js';

type Ev = { type: string; data: Record<string, unknown> };
const events = (root: string): Ev[] => cliSync(['--root', root, 'events']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Exactly one line of error (notes and the no-public-key warning aside: these registries are unsigned), no stack. */
function oneLine(r: CliResult, command: string, pattern: RegExp): void {
  assert.is(r.code, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l && !/^kubesolo-update: \w+: (note: |warning: no public key configured)/.test(l));
  assert.is(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`kubesolo-update: ${command}: `), lines[0]);
  assert.match(lines[0].slice(`kubesolo-update: ${command}: `.length), pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
}

test('a blob that stalls mid-body: exit 1 after the idle timeout, AttemptFailed {download}, the bytes recorded; the next apply resumes with Range', async () => {
  const kernel = randomBytes(1024 * 1024), initramfs = randomBytes(64 * 1024);
  const rel = fakeRelease(kernel, initramfs);
  let stalling = true;
  const ranges: string[] = [];
  const reg = await server((req, res) => {
    if (!req.url!.endsWith(`/blobs/${rel.kernelDigest}`)) return void (answer(rel, req, res) || res.writeHead(404).end());
    const range = String(req.headers.range ?? '');
    ranges.push(range);
    const start = Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0);
    res.writeHead(start ? 206 : 200, { 'content-length': kernel.length - start, ...(start ? { 'content-range': `bytes ${start}-${kernel.length - 1}/${kernel.length}` } : {}) });
    // Less than a checkpoint's worth (10 %), then silence with the connection held open.
    if (stalling) return void res.write(kernel.subarray(0, 64 * 1024));
    res.end(kernel.subarray(start));
  });
  const sb = makeSandbox('v1.0.0');
  const apply = () => cli(['--root', sb.root, 'apply', '--registry', `127.0.0.1:${reg.port}/kubesolo/os`, '--tag', 'v1', '--plain-http', '--http-timeout', '1', '--http-retries', '0']);
  try {
    const first = await apply();
    oneLine(first, 'apply', new RegExp(`^GET http://127\\.0\\.0\\.1:${reg.port}/v2/kubesolo/os/blobs/${rel.kernelDigest}: the body stalled for 1 s$`));
    const ev = events(sb.root);
    assert.equal(ev.filter((e) => e.type === 'AttemptFailed').map((e) => e.data.step), ['download']);
    assert.equal(ev.filter((e) => e.type === 'DownloadProgress').map((e) => [e.data.artifact, e.data.bytes]).pop(), ['vmlinuz', 64 * 1024], 'what arrived before the stall is recorded');
    assert.not.ok(existsSync(join(sb.root, 'slots/B/version')));

    stalling = false;
    const second = await apply();
    assert.is(second.code, 0, second.stderr);
    assert.equal(ranges, ['', `bytes=${64 * 1024}-`], 'the second apply asks only for the rest');
    assert.ok(readFileSync(join(sb.root, 'slots/B/vmlinuz')).equals(kernel));
    assert.ok(readFileSync(join(sb.root, 'slots/B/kubesolo-os.gz')).equals(initramfs));
    const resumed = events(sb.root).filter((e) => e.type === 'DownloadStarted' && e.data.artifact === 'vmlinuz').map((e) => e.data.resumeFrom ?? 0);
    assert.equal(resumed, [0, 64 * 1024]);
  } finally { await reg.close(); }
});

test('over https: a token realm in plain http and a blob redirected to plain http are refused; nothing reaches either', async () => {
  const tls = selfSigned();
  const issuer = await server((_req, res) => res.end('{"token":"t"}'));
  const storage = await server((_req, res) => res.end('x'));
  const rel = fakeRelease(randomBytes(1024), randomBytes(1024));
  const reg = await server((req, res) => {
    if (req.url!.startsWith('/v2/kubesolo/auth/')) return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${issuer.port}/token",service="x"` }).end();
    if (req.url!.includes('/blobs/')) return void res.writeHead(307, { location: `http://127.0.0.1:${storage.port}/bucket/blob?X-Amz-Signature=presigned` }).end();
    if (!answer(rel, req, res)) res.writeHead(404).end();
  }, tls);
  const trust = { NODE_EXTRA_CA_CERTS: tls.cert };
  const host = `127.0.0.1:${reg.port}`;
  try {
    const sb = makeSandbox('v1.0.0');
    const check = await cli(['--root', sb.root, 'check', '--registry', `${host}/kubesolo/auth`, '--tag', 'v1'], trust);
    oneLine(check, 'check', new RegExp(`^registry ${escape(host)} \\(kubesolo/auth\\): refusing the token realm http://127\\.0\\.0\\.1:${issuer.port}: not https$`));
    assert.is(issuer.seen.length, 0, 'no token asked for in the clear');

    const apply = await cli(['--root', sb.root, 'apply', '--registry', `${host}/kubesolo/redir`, '--tag', 'v1', '--http-retries', '0'], trust);
    oneLine(apply, 'apply', new RegExp(`^GET https://${escape(host)}/v2/kubesolo/redir/blobs/sha256:[0-9a-f]{64}: refusing a redirect from https to plain http \\(127\\.0\\.0\\.1:${storage.port}\\)$`));
    assert.not.match(apply.stderr, /presigned/);
    assert.is(storage.seen.length, 0, 'nothing went to the plain-http storage');
    assert.equal(events(sb.root).filter((e) => e.type === 'AttemptFailed').map((e) => e.data.step), ['download']);
  } finally { await reg.close(); await issuer.close(); await storage.close(); }
});

test.run();
