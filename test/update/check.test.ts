/**
 * keygen, release and check against a real HTTP server on 127.0.0.1 — a good one serving what
 * `release` wrote, and bad ones: each failure exits 1 with one line on stderr and is recorded as
 * UpdateChecked {error}; nothing counts as an attempt.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliSync, cli } from '../helpers/cli.js';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { serve, type TestServer } from '../helpers/updateServer.js';
import { publisher } from '../helpers/publisher.js';
import { signWith } from '../../src/update/signing.js';

const pub = publisher(4096, 8192);
const { keys } = pub;
const release = pub.release;
const otherKeys = publisher(1, 1).keys;

const good = release('v110', 'v1.1.0', '--channel', 'stable', '--notes', 'faster boots');

type Routes = Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void>;
/** latest.json as `release` wrote it, changed by `edit` (its own .sig then no longer matches it). */
const edited = (dir: string, edit: (m: Record<string, unknown>) => void): Routes => ({
  '/latest.json': (_q, res) => { const m = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')); edit(m); res.end(JSON.stringify(m)); },
});
/** What a Go-era publisher serves: latest.json without a statement, signed whole. */
function goEra(dir: string): Routes {
  const m = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
  delete m.statement; delete m.statement_sig;
  const body = Buffer.from(JSON.stringify(m));
  const sig = signWith(readFileSync(join(keys, 'update.key'), 'utf8'), body).toString('hex');
  return { '/latest.json': (_q, res) => res.end(body), '/latest.json.sig': (_q, res) => res.end(sig) };
}

async function checkAgainst(srv: TestServer, sb: Sandbox, ...args: string[]) {
  return cli(['--root', sb.root, 'check', '--server', srv.url, '--http-timeout', '1', ...args]);
}
const checks = (sb: Sandbox) => cliSync(['--root', sb.root, 'events', '--type', 'UpdateChecked']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).data);

test('keygen refuses to overwrite; release writes a signed, servable directory', () => {
  const r = cliSync(['keygen', '--out', keys]);
  assert.is(r.code, 3);
  assert.match(r.stderr, 'exists; refusing to overwrite a key');
  const meta = JSON.parse(readFileSync(join(good, 'latest.json'), 'utf8'));
  assert.equal([meta.version, meta.vmlinuz_url, meta.vmlinuz_size, meta.channel, meta.metadata_sig_url], ['v1.1.0', 'vmlinuz', 4096, 'stable', 'latest.json.sig']);
  assert.match(readFileSync(join(good, 'vmlinuz.sig'), 'utf8'), /^[0-9a-f]{128}$/);
  assert.match(readFileSync(join(keys, 'update.pub'), 'utf8'), /^[0-9a-f]{64}\n$/);
});

test('check: a signed release is verified and offered, with its gates; nothing counts as an attempt', async () => {
  const srv = await serve(good);
  const sb = makeSandbox();
  try {
    const r = await checkAgainst(srv, sb, '--pubkey', join(keys, 'update.pub'), '--json');
    assert.is(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal([j.current, j.latest, j.available, j.would_apply, j.signed, j.release_notes], ['v1.0.0', 'v1.1.0', true, true, true, 'faster boots']);
    const statement = JSON.parse(JSON.parse(readFileSync(join(good, 'latest.json'), 'utf8')).statement);
    assert.is(j.serial, statement.serial);
    const [recorded] = checks(sb);
    assert.equal(recorded, { current: 'v1.0.0', latest: 'v1.1.0', available: true, statement: { key: recorded.statement.key, serial: statement.serial } });
    assert.match(recorded.statement.key, /^[0-9a-f]{16}$/);
    const s = JSON.parse(cliSync(['--root', sb.root, 'status', '--json']).stdout);
    assert.equal([s.state.phase, s.state.attempt_count], ['idle', 0]);
    const beta = JSON.parse((await checkAgainst(srv, sb, '--channel', 'beta', '--json')).stdout);
    assert.equal([beta.available, beta.would_apply, beta.gates[0].ok], [true, false, false]);
  } finally { await srv.close(); }
});

test('check without a key says once that authenticity is not checked', async () => {
  const srv = await serve(good);
  const sb = makeSandbox();
  try {
    const r = await checkAgainst(srv, sb);
    assert.is(r.code, 0);
    assert.is(r.stderr.split('\n').filter((l) => l.includes('authenticity of updates is not checked')).length, 1);
  } finally { await srv.close(); }
});

const hostile: Array<[string, (dir: string) => Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void>, string[], RegExp]> = [
  ['404', () => ({ '/latest.json': (_q, res) => { res.statusCode = 404; res.end(); } }), [], /latest\.json: HTTP 404/],
  ['500', () => ({ '/latest.json': (_q, res) => { res.statusCode = 500; res.end(); } }), [], /HTTP 500/],
  ['redirect loop', () => ({ '/latest.json': (_q, res) => { res.statusCode = 302; res.setHeader('location', '/loop'); res.end(); }, '/loop': (_q, res) => { res.statusCode = 302; res.setHeader('location', '/latest.json'); res.end(); } }), [], /redirect loop/],
  ['garbage latest.json', () => ({ '/latest.json': (_q, res) => res.end('<html>oops</html>') }), [], /http:\/\/127\.0\.0\.1:\d+\/latest\.json answered with content type \(none\), not JSON \(it begins "<html>oops<\/html>"\)/],
  // A web server's page where the release directory should be (a wrong --server, a login portal).
  ['an HTML page', () => ({ '/latest.json': (_q, res) => { res.setHeader('content-type', 'text/html; charset=utf-8'); res.end('<!DOCTYPE html>\n<html><body>Welcome to nginx!</body></html>'); } }), [], /http:\/\/127\.0\.0\.1:\d+\/latest\.json answered with content type text\/html, not JSON \(it begins "<!DOCTYPE html> <html><body>Welcome/],
  ['JSON by its content type only', () => ({ '/latest.json': (_q, res) => { res.setHeader('content-type', 'application/json'); res.end('{"version": "v1.1.0",'); } }), [], /latest\.json answered with content type application\/json, but the body is not JSON/],
  ['50 MB latest.json', () => ({ '/latest.json': (_q, res) => { res.setHeader('content-length', 50 * 1024 * 1024); res.end(); } }), [], /latest\.json is 52428800 bytes, more than the 1048576 allowed/],
  ['endless latest.json', () => ({ '/latest.json': (_q, res) => { const chunk = Buffer.alloc(65536, 0x20); const pump = () => { while (res.write(chunk)); }; res.on('drain', pump); pump(); } }), [], /latest\.json is more than the 1048576 bytes allowed/],
  ['field of the wrong type', (dir) => ({ '/latest.json': (_q, res) => res.end(JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')), vmlinuz_sha256: 12 })) }), [], /"vmlinuz_sha256" must be a string, not number/],
  ['a file: URL', (dir) => ({ '/latest.json': (_q, res) => res.end(JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')), initramfs_url: 'file:///etc/shadow' })) }), [], /"initramfs_url" must be an http or https URL, not file:/],
  ['stalled body', () => ({ '/latest.json': (_q, res) => { res.setHeader('content-length', 1000); res.write('{"ver'); } }), [], /stalled for 1 s|no answer for 1 s/],
  ['statement signature that does not verify, with a key', (dir) => edited(dir, (m) => { m.statement_sig = '00'.repeat(64); }), ['--pubkey', 'KEY'], /the signed statement at \S+latest\.json does not match the configured public key/],
  ['signed by another key', () => ({}), ['--pubkey', 'OTHER'], /does not match the configured public key/],
  ['latest.json edited after signing (its version)', (dir) => edited(dir, (m) => { m.version = 'v1.9.0'; }), ['--pubkey', 'KEY'], /latest\.json at \S+ and its signed statement disagree on version \(v1\.9\.0 served, v1\.1\.0 signed\): refusing it/],
  ['latest.json edited after signing (a hash)', (dir) => edited(dir, (m) => { m.vmlinuz_sha256 = 'ab'.repeat(32); }), ['--pubkey', 'KEY'], /disagree on vmlinuz's SHA-256/],
  ['missing signature with a key', (dir) => edited(dir, (m) => { delete m.statement; delete m.statement_sig; delete m.metadata_sig_url; delete m.vmlinuz_sig_url; }), ['--pubkey', 'KEY'], /\/latest\.json is not signed \(no signed statement\): refusing to act on unauthenticated metadata \(safety rule: authenticated facts only\)/],
  // Per-artifact signatures bind neither the version nor the gates' fields: not enough with a key.
  ['unsigned metadata, every artifact signed, with a key', (dir) => edited(dir, (m) => { delete m.statement; delete m.statement_sig; delete m.metadata_sig_url; }), ['--pubkey', 'KEY'], /is not signed .*authenticated facts only/],
  // A Go-era publisher signs latest.json whole: no serial, so a replay could not be told apart.
  ['Go-era signature, no statement, not allowed', (dir) => goEra(dir), ['--pubkey', 'KEY'], /signed the Go agent's way, without a signed statement and its serial.*allow_legacy_signature=1/],
  ['Go-era signature allowed, but it does not verify', (dir) => ({ ...goEra(dir), '/latest.json.sig': (_q, res) => res.end('00'.repeat(64)) }), ['--pubkey', 'KEY', '--allow-legacy-signature'], /signature of latest\.json does not match the configured public key/],
];

for (const [name, routes, extra, message] of hostile) {
  test(`check against a hostile server (${name}): exit 1, one line, UpdateChecked {error}`, async () => {
    const srv = await serve(good, routes(good));
    const sb = makeSandbox();
    try {
      const args = extra.map((a) => (a === 'KEY' ? join(keys, 'update.pub') : a === 'OTHER' ? join(otherKeys, 'update.pub') : a));
      const r = await checkAgainst(srv, sb, ...args);
      assert.is(r.code, 1, `${r.stdout}${r.stderr}`);
      const errs = r.stderr.split('\n').filter((l) => l && !l.includes('authenticity of updates is not checked'));
      assert.is(errs.length, 1, r.stderr);
      assert.match(errs[0], /^kubesolo-update: check: /);
      assert.match(errs[0], message);
      assert.not.match(r.stderr, /\n\s+at /);
      const recorded = checks(sb);
      assert.is(recorded.length, 1);
      assert.match(recorded[0].error, message);
    } finally { await srv.close(); }
  });
}

test('check with no server configured is a usage error naming the fix', () => {
  const sb = makeSandbox();
  const r = cliSync(['--root', sb.root, 'check']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /no update server: set server= \(or registry= and tag=\) in .*update\.conf, or pass --server URL \(or --registry HOST\/REPO --tag T\)/);
});

test.run();
