/**
 * Bounded checks, with real processes: a check answers by its timeout or as soon as its main
 * process exits, whatever that process started is killed with it, the output kept is capped, and
 * nothing is left holding the Node event loop. Timing is only asserted against generous upper
 * bounds (timeout + 10 s), never against what a fast machine would do.
 */
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHECKS, OUTPUT_CAP, run, type CheckEnv } from '../../src/health/checks.js';
import { eventually } from '../helpers/child.js';
import { tmpDir } from '../helpers/tmp.js';

const base = (over: Partial<CheckEnv> = {}): CheckEnv => ({
  dataDir: tmpDir(), root: tmpDir(), healthcheckUrl: null, commands: [], timeoutMs: 2000, now: () => Date.now(), ...over,
});

/**
 * Whether the process is dead. PID 1 in a container may never reap orphans, so a killed one can
 * stay listed as a zombie: that counts as dead too.
 */
function dead(pid: number): boolean {
  try { process.kill(pid, 0); } catch (e) { return (e as NodeJS.ErrnoException).code === 'ESRCH'; }
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z'); } catch { return true; }
}

const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());
const goneSoon = (pid: number) => eventually(`pid ${pid} to die`, () => dead(pid) || undefined, 5000);

async function timed<T>(f: () => Promise<T>): Promise<{ r: T; ms: number }> {
  const t = Date.now();
  const r = await f();
  return { r, ms: Date.now() - t };
}

test('a hang is cut at the timeout, and the shell and the child it started are both killed', async () => {
  const dir = tmpDir();
  const cmd = `echo $$ > ${dir}/sh; sleep 1000 & echo $! > ${dir}/sleep; wait`;
  const { r, ms } = await timed(() => CHECKS.command(base({ commands: [cmd], timeoutMs: 1500 })));
  assert.equal(r, { ok: false, detail: `${JSON.stringify(cmd)} timed out after 1500 ms; its process group was killed` });
  assert.ok(ms < 1500 + 10_000, `answered after ${ms} ms`);
  await goneSoon(pidIn(join(dir, 'sh')));
  await goneSoon(pidIn(join(dir, 'sleep')));
});

test('a check that leaves a background child is answered when it exits, and the child is killed', async () => {
  const dir = tmpDir();
  const { r, ms } = await timed(() => CHECKS.command(base({ commands: [`sleep 300 & echo $! > ${dir}/sleep; echo started`], timeoutMs: 60_000 })));
  assert.equal(r, { ok: true });
  assert.ok(ms < 10_000, `answered after ${ms} ms`);
  await goneSoon(pidIn(join(dir, 'sleep')));
});

test('a command that ignores SIGTERM still dies at the timeout', async () => {
  const dir = tmpDir();
  const cmd = `trap '' TERM; echo $$ > ${dir}/sh; while :; do sleep 1; done`;
  const { r, ms } = await timed(() => CHECKS.command(base({ commands: [cmd], timeoutMs: 1000 })));
  assert.is(r.ok, false);
  assert.match((r as { detail: string }).detail, 'timed out after 1000 ms');
  assert.ok(ms < 1000 + 10_000, `answered after ${ms} ms`);
  await goneSoon(pidIn(join(dir, 'sh')));
});

test('a flood of output is read to the end but only the first OUTPUT_CAP bytes of each stream are kept', async () => {
  const out = await run('sh', ['-c', 'yes | head -c 10000000'], 60_000);
  assert.is(out.code, 0);
  assert.is(out.out.length, OUTPUT_CAP);
  assert.ok(out.out.startsWith('y\ny\n'));
  const err = await run('sh', ['-c', 'yes | head -c 10000000 >&2'], 60_000);
  assert.is(err.code, 0);
  assert.is(err.err.length, OUTPUT_CAP);
  assert.equal(await CHECKS.command(base({ commands: ['yes | head -c 10000000'], timeoutMs: 60_000 })), { ok: true });
});

test('a failing command keeps the first line of its stderr; one killed by a signal says so', async () => {
  const cmd = 'echo "disk full" >&2; echo "second line" >&2; exit 4';
  assert.equal(await CHECKS.command(base({ commands: [cmd] })), { ok: false, detail: `${JSON.stringify(cmd)} exited 4: disk full` });
  assert.equal(await CHECKS.command(base({ commands: ['kill -9 $$'] })), { ok: false, detail: '"kill -9 $$" killed by SIGKILL' });
});

function onlyPath(script: string | null): () => void {
  const bin = tmpDir('ksu-kubectl-');
  if (script !== null) {
    writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, 'kubectl'), 0o755);
  }
  const old = process.env.PATH;
  process.env.PATH = script === null ? bin : `${bin}:${old}`;
  return () => { process.env.PATH = old; };
}

test('a command that cannot be started is a failed check, not a throw', async () => {
  const restore = onlyPath(null);
  try {
    assert.equal(await CHECKS['node-ready'](base()), { ok: false, detail: 'kubectl: could not start: spawn kubectl ENOENT' });
    assert.equal(await CHECKS.apiserver(base()), { ok: false, detail: '/readyz: could not start: spawn kubectl ENOENT' });
    assert.match((await CHECKS.command(base({ commands: ['true'] })) as { detail: string }).detail, 'could not start: spawn sh ENOENT');
  } finally { restore(); }
  const nul = await CHECKS.command(base({ commands: ['echo a\0b'] }));
  assert.is(nul.ok, false);
  assert.match((nul as { detail: string }).detail, 'could not start');
});

test('the kubectl checks are bounded the same way', async () => {
  const dir = tmpDir();
  const restore = onlyPath(`sleep 1000 & echo $! > ${dir}/sleep; wait`);
  try {
    const { r, ms } = await timed(() => CHECKS['node-ready'](base({ timeoutMs: 1000 })));
    assert.equal(r, { ok: false, detail: 'kubectl: timed out after 1000 ms; its process group was killed' });
    assert.ok(ms < 1000 + 10_000, `answered after ${ms} ms`);
    const readyz = await CHECKS.apiserver(base({ timeoutMs: 1000 }));
    assert.equal(readyz, { ok: false, detail: '/readyz: timed out after 1000 ms; its process group was killed' });
  } finally { restore(); }
  await goneSoon(pidIn(join(dir, 'sleep')));
});

test('once checks have answered nothing keeps Node alive, not even a child that left the group holding the pipes', async () => {
  const dir = tmpDir();
  const checks = new URL('../../src/health/checks.js', import.meta.url).href;
  const script = join(dir, 'probe.mjs');
  writeFileSync(script, `import { CHECKS } from ${JSON.stringify(checks)};
const env = { dataDir: ${JSON.stringify(dir)}, root: '/', healthcheckUrl: null, timeoutMs: 1000, now: Date.now };
const left = await CHECKS.command({ ...env, commands: ['setsid sleep 300 & echo $! > ${dir}/escaped; echo started'] });
const hung = await CHECKS.command({ ...env, commands: ['sleep 1000'] });
console.log(JSON.stringify([left.ok, hung.ok]));
`);
  const t = Date.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script], { timeout: 30_000, killSignal: 'SIGKILL' }, (e, out) => (e ? reject(e) : resolve(out)));
  });
  const ms = Date.now() - t;
  try { process.kill(pidIn(join(dir, 'escaped')), 'SIGKILL'); } catch { /* already gone */ }
  assert.equal(JSON.parse(stdout), [true, false]);
  assert.ok(ms < 1000 + 10_000, `node ran ${ms} ms`);
});

test.run();
