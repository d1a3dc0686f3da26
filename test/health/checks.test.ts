/**
 * The health checks against real things where they exist here: a real unix socket for
 * containerd, a real HTTP server on 127.0.0.1 for probe-url, real commands, the real data
 * directory. No Kubernetes API server can run on this machine, so apiserver, node-ready and
 * kube-system talk to a stand-in `kubectl` script on PATH that prints what kubectl would: that
 * part is a mock, and only that.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createNet } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHECKS, type CheckEnv } from '../../src/health/checks.js';
import { runChecks } from '../../src/health/runner.js';
import { tmpDir } from '../helpers/tmp.js';

const base = (over: Partial<CheckEnv> = {}): CheckEnv => ({
  dataDir: tmpDir(), root: tmpDir(), healthcheckUrl: null, commands: [], timeoutMs: 2000, now: () => Date.now(), ...over,
});

test('disk-writable writes, syncs, reads back and cleans up; a read-only place fails', async () => {
  assert.equal(await CHECKS['disk-writable'](base()), { ok: true });
  const file = join(tmpDir(), 'a-file');
  writeFileSync(file, 'x');
  const r = await CHECKS['disk-writable'](base({ dataDir: join(file, 'sub') }));
  assert.is(r.ok, false);
});

test('probe-url: 200 passes, anything else or no answer fails with the reason', async () => {
  const server = createHttp((req, res) => { res.statusCode = req.url === '/ok' ? 200 : 503; res.end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  assert.equal(await CHECKS['probe-url'](base({ healthcheckUrl: `http://127.0.0.1:${port}/ok` })), { ok: true });
  assert.equal(await CHECKS['probe-url'](base({ healthcheckUrl: `http://127.0.0.1:${port}/down` })), { ok: false, detail: 'HTTP 503' });
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  const gone = await CHECKS['probe-url'](base({ healthcheckUrl: `http://127.0.0.1:${port}/ok` }));
  assert.is(gone.ok, false);
  assert.match((gone as { detail: string }).detail, 'ECONNREFUSED');
});

test('command: exit 0 passes; a failure names the command and its code; a hang is cut at the timeout', async () => {
  assert.equal(await CHECKS.command(base({ commands: ['true', 'test -d /'] })), { ok: true });
  const r = await CHECKS.command(base({ commands: ['true', 'echo nope >&2; exit 3'] }));
  assert.equal(r, { ok: false, detail: '"echo nope >&2; exit 3" exited 3: nope' });
  const slow = await CHECKS.command(base({ commands: ['sleep 5'], timeoutMs: 200 }));
  assert.equal(slow, { ok: false, detail: '"sleep 5" timed out after 200 ms; its process group was killed' });
});

test('containerd: a socket that answers passes, none fails naming it', async () => {
  const root = tmpDir();
  mkdirSync(join(root, 'run/containerd'), { recursive: true });
  assert.is((await CHECKS.containerd(base({ root }))).ok, false);
  const server = createNet((s) => s.end());
  await new Promise<void>((r) => server.listen(join(root, 'run/containerd/containerd.sock'), r));
  assert.equal(await CHECKS.containerd(base({ root })), { ok: true });
  server.close();
});

function fakeKubectl(script: string): () => void {
  const bin = tmpDir('ksu-kubectl-');
  writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'kubectl'), 0o755);
  const old = process.env.PATH;
  process.env.PATH = `${bin}:${old}`;
  return () => { process.env.PATH = old; };
}

test('Kubernetes checks (stand-in kubectl): ready node and pods pass; NotReady, young or failing pods fail', async () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const nodes = (ready: string) => JSON.stringify({ items: [{ metadata: { name: 'edge-1' }, status: { conditions: [{ type: 'Ready', status: ready }] } }] });
  const pods = (start: string, phase = 'Running') => JSON.stringify({ items: [{ metadata: { name: 'coredns-1' }, status: { phase, startTime: start } }] });
  const respond = (n: string, p: string, readyz = 'ok') => fakeKubectl(`case "$*" in
  "get --raw /readyz") echo ${readyz};;
  "get nodes -o json") echo '${n}';;
  "get pods -n kube-system -o json") echo '${p}';;
  *) echo "unexpected: $*" >&2; exit 9;;
esac`);
  let restore = respond(nodes('True'), pods('2026-11-24T11:58:00Z'));
  try {
    for (const c of ['apiserver', 'node-ready', 'kube-system']) assert.equal(await CHECKS[c](base({ now: () => now })), { ok: true }, c);
  } finally { restore(); }
  restore = respond(nodes('False'), pods('2026-11-24T11:59:50Z'), 'not-ready');
  try {
    assert.equal(await CHECKS['node-ready'](base({ now: () => now })), { ok: false, detail: 'not Ready: edge-1' });
    assert.equal(await CHECKS['kube-system'](base({ now: () => now })), { ok: false, detail: 'not Running for 30 s: coredns-1' });
    assert.is((await CHECKS.apiserver(base())).ok, false);
  } finally { restore(); }
  restore = fakeKubectl('echo "The connection to the server localhost:8080 was refused" >&2; exit 1');
  try {
    assert.equal(await CHECKS['node-ready'](base()), { ok: false, detail: 'kubectl: The connection to the server localhost:8080 was refused' });
  } finally { restore(); }
});

test('the runner retries what failed until the deadline, and reports each check once', async () => {
  const dir = tmpDir();
  const flag = join(dir, 'ready');
  setTimeout(() => writeFileSync(flag, ''), 300);
  const results = await runChecks(['disk-writable', 'command'], base({ commands: [`test -e ${flag}`] }), { deadlineMs: 5000, retryDelayMs: 100, now: () => Date.now() });
  assert.equal(results.map((r) => [r.name, r.ok]), [['disk-writable', true], ['command', true]]);
  const failing = await runChecks(['command'], base({ commands: ['false'] }), { deadlineMs: 300, retryDelayMs: 100, now: () => Date.now() });
  assert.equal(failing.map((r) => [r.name, r.ok]), [['command', false]]);
});

test.run();
