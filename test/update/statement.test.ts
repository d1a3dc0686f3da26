/**
 * The signed statement over an update server, through the CLI against real servers on 127.0.0.1:
 * the log keeps the highest serial accepted, so a replayed older publication is refused; an
 * expired statement is refused; a statement bound to another server is refused; a Go-era
 * latest.json passes only where the operator allows it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signStatement } from '../../src/update/releaseStatement.js';
import { signWith } from '../../src/update/signing.js';
import { serverSource } from '../../src/update/statement.js';
import { cli, cliSync } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { serve, type TestServer } from '../helpers/updateServer.js';

const pub = publisher(4096, 8192);
const older = pub.release('v110', 'v1.1.0', '--serial', '100');
const newer = pub.release('v120', 'v1.2.0', '--serial', '200');
const key = () => readFileSync(join(pub.keys, 'update.key'), 'utf8');

const check = (srv: TestServer, sb: Sandbox, ...args: string[]) => cli(['--root', sb.root, 'check', '--server', srv.url, '--pubkey', pub.pub, '--http-timeout', '2', ...args]);
const checks = (sb: Sandbox) => cliSync(['--root', sb.root, 'events', '--type', 'UpdateChecked']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).data);
const errorLine = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('kubesolo-update: check: ') && !l.includes(': note:'));

/** latest.json of `dir` with its statement changed by `edit` and signed again with the publisher's key. */
function resigned(dir: string, edit: (st: Record<string, unknown>) => void): Buffer {
  const m = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
  const st = JSON.parse(m.statement);
  edit(st);
  const s = signStatement(st, key());
  return Buffer.from(JSON.stringify({ ...m, statement: s.text.toString('utf8'), statement_sig: s.signatureHex }));
}

test('a replayed older publication is refused once a newer serial was accepted, and the refusal is recorded', async () => {
  let dir = newer;
  const srv = await serve(() => dir);
  const sb = makeSandbox();
  try {
    const first = await check(srv, sb, '--json');
    assert.is(first.code, 0, first.stderr);
    assert.is(JSON.parse(first.stdout).serial, 200);
    dir = older;
    const replay = await check(srv, sb);
    assert.is(replay.code, 1, replay.stdout);
    const [line] = errorLine(replay.stderr);
    assert.match(line, /the signed statement at \S+latest\.json has serial 100, older than serial 200 this node already accepted from key [0-9a-f]{16}: a replayed older publication is refused/);
    const recorded = checks(sb);
    assert.equal(recorded.map((c) => [c.latest ?? null, c.statement?.serial ?? null, Boolean(c.error)]), [['v1.2.0', 200, false], [null, null, true]]);
    dir = newer;
    assert.is((await check(srv, sb)).code, 0, 'the same serial again is fine: a node checks the same publication every hour');
  } finally { await srv.close(); }
});

test('the highest serial survives a rebuild of every projection from the log', async () => {
  let dir = newer;
  const srv = await serve(() => dir);
  const sb = makeSandbox();
  try {
    assert.is((await check(srv, sb)).code, 0);
    assert.is(cliSync(['--root', sb.root, 'rebuild']).code, 0);
    dir = older;
    assert.match(errorLine((await check(srv, sb)).stderr)[0] ?? '', /serial 100, older than serial 200/);
  } finally { await srv.close(); }
});

test('an expired statement is refused (exit 1), naming when it expired', async () => {
  const body = resigned(older, (st) => { st.expires = '2020-01-01T00:00:00.000Z'; });
  const srv = await serve(older, { '/latest.json': (_q, res) => res.end(body) });
  const sb = makeSandbox();
  try {
    const r = await check(srv, sb);
    assert.is(r.code, 1);
    assert.match(errorLine(r.stderr)[0], /\(serial 100\) expired at 2020-01-01T00:00:00\.000Z; the publisher must sign it again/);
  } finally { await srv.close(); }
});

test('a statement published for another server is refused; one for this server passes', async () => {
  const srv = await serve(older, { '/latest.json': (_q, res) => res.end(resigned(older, (st) => { st.source = 'https://staging.example/'; })) });
  const sb = makeSandbox();
  try {
    const r = await check(srv, sb);
    assert.is(r.code, 1);
    assert.match(errorLine(r.stderr)[0], /was published for https:\/\/staging\.example\/, not for this node's server http:\/\/127\.0\.0\.1:\d+\//);
  } finally { await srv.close(); }
  let body: Buffer = Buffer.alloc(0);
  const own = await serve(older, { '/latest.json': (_q, res) => res.end(body) });
  try {
    body = resigned(older, (st) => { st.source = serverSource(own.url); });
    const ok = await check(own, makeSandbox());
    assert.is(ok.code, 0, ok.stderr);
  } finally { await own.close(); }
});

test('a Go-era latest.json (signed whole, no statement) passes with allow_legacy_signature=1 and records no serial', async () => {
  const m = JSON.parse(readFileSync(join(older, 'latest.json'), 'utf8'));
  delete m.statement; delete m.statement_sig;
  const body = Buffer.from(JSON.stringify(m));
  const sig = signWith(key(), body).toString('hex');
  const srv = await serve(older, { '/latest.json': (_q, res) => res.end(body), '/latest.json.sig': (_q, res) => res.end(sig) });
  const sb = makeSandbox();
  try {
    assert.is((await check(srv, sb)).code, 1, 'refused by default');
    const r = await check(srv, sb, '--allow-legacy-signature', '--json');
    assert.is(r.code, 0, r.stderr);
    assert.equal([JSON.parse(r.stdout).signed, JSON.parse(r.stdout).serial], [true, null]);
    assert.is(checks(sb).pop()!.statement, undefined);
  } finally { await srv.close(); }
});

test.run();
