/**
 * The findings of the boot-safety issue, each reproduced with the commands an operator typed,
 * through the real CLI on a sandbox node, asserting the behaviour that replaced it. (The Go
 * migration findings are in goMigration.test.ts; the decider rules in test/domain/.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync, CLI } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { env, makeSandbox, reboot, type Sandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';

const pub = publisher(4096, 16384);
const release = (name: string, version: string, seed: number) => {
  writeFileSync(join(pub.work, 'kernel'), Buffer.alloc(4096, seed));
  writeFileSync(join(pub.work, 'initramfs'), Buffer.alloc(16384, seed + 1));
  return pub.release(name, version);
};
const r110 = release('r110', 'v1.1.0', 1), r120 = release('r120', 'v1.2.0', 2), relabelled = release('r130', 'v1.3.0', 1);
const E = { KUBECONFIG: '/nonexistent' };
const ksu = (sb: Sandbox, ...args: string[]) => cliSync(['--root', sb.root, ...args], E);
/** For commands that talk to a server in this process: its event loop must keep running. */
const ksuAsync = (sb: Sandbox, ...args: string[]) => cli(['--root', sb.root, ...args], E);
const events = (sb: Sandbox) => ksu(sb, 'events').stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const errors = (stderr: string) => stderr.split('\n').filter((l) => l && !/: (note|warning): /.test(l));
const haveChattr = spawnSync('chattr', ['--help']).error === undefined;

/** Slot B on trial (booted, boot_success=0, counter 2), slot A its verified fallback. */
async function onTrial(): Promise<Sandbox> {
  const sb = makeSandbox();
  const srv = await serve(r110);
  try {
    assert.is((await ksuAsync(sb, 'apply', '--server', srv.url, '--pubkey', pub.pub)).code, 0);
  } finally { await srv.close(); }
  assert.is(ksu(sb, 'activate').code, 0);
  reboot(sb, null);
  assert.equal(env(sb), { active_slot: 'B', boot_counter: '2', boot_success: '0' });
  return sb;
}

test('apply during a trial never writes its fallback: exit 3, UpdateDeferred, slot A untouched, what ends the trial said', async () => {
  const sb = await onTrial();
  const before = readFileSync(join(sb.root, 'slots/A/kubesolo-os.gz'));
  const srv = await serve(r120);
  try {
    const r = await ksuAsync(sb, 'apply', '--server', srv.url, '--pubkey', pub.pub);
    assert.is(r.code, 3, r.stderr);
    assert.equal(errors(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /slot B is on trial .* apply would overwrite slot A \(safety rule: fallback intact\); the trial ends when 'kubesolo-update healthcheck' passes on slot B/);
  } finally { await srv.close(); }
  assert.ok(readFileSync(join(sb.root, 'slots/A/kubesolo-os.gz')).equals(before));
  assert.ok(readdirSync(join(sb.root, 'slots/A')).includes('version'));
  assert.is(events(sb).at(-1).type, 'UpdateDeferred');
});

test('an empty check list never passes a trial: exit 2 naming where it came from; grubenv unchanged', async () => {
  const sb = await onTrial();
  mkdirSync(join(sb.root, 'etc/kubesolo'), { recursive: true });
  writeFileSync(join(sb.root, 'etc/kubesolo/update.conf'), 'checks=,\n');
  for (const args of [['healthcheck'], ['healthcheck', '--checks', '']]) {
    const r = ksu(sb, ...args);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, args.length === 1 ? /checks is empty \(\S+update\.conf:1\).*evidence to pass/ : /checks is empty \(--checks\)/);
    assert.equal(env(sb), { active_slot: 'B', boot_counter: '2', boot_success: '0' });
  }
});

test('a missing or incomplete grubenv: every write refuses and points at bootenv init, status shouts, bootenv init writes it from the log', async () => {
  const sb = await onTrial();
  rmSync(sb.grubenv);
  const r = ksu(sb, 'rollback');
  assert.is(r.code, 3);
  assert.match(r.stderr, /does not exist; refusing to roll back \(safety rule: never guess the boot environment\); 'kubesolo-update bootenv init' writes a complete block from what the log knows\n$/);
  assert.not.match(r.stderr, /grub-editenv/);
  // What `grub-editenv FILE create` writes: a block with no active_slot.
  spawnSync('grub-editenv', [sb.grubenv, 'create']);
  if (!readdirSync(join(sb.root, 'boot/grub')).includes('grubenv')) writeFileSync(sb.grubenv, (await import('../../src/boot/grubenv.js')).emptyGrubenv());
  const st = ksu(sb, 'status');
  assert.match(st.stdout, /^WARNING: \S+grubenv is not a complete boot environment \(active_slot=\(unset\)/);
  assert.is(ksu(sb, 'activate').code, 3);
  const init = ksu(sb, 'bootenv', 'init');
  assert.is(init.code, 0, init.stderr);
  assert.match(init.stdout, /active_slot=B boot_counter=2 boot_success=0 \(the open trial continues\)/, `${init.stdout}${init.stderr}`);
  assert.equal(env(sb), { active_slot: 'B', boot_counter: '2', boot_success: '0' });
  assert.equal(events(sb).slice(-2).map((e) => e.type), ['Intent', 'BootEnvInitialized']);
});

test('a failed mark-good keeps its reason: IntentFailed with what landed, the passed checks recorded, nothing dangling', async () => {
  if (!haveChattr) return console.log('    (skipped: no chattr)');
  const sb = await onTrial();
  // The check itself makes grubenv immutable: the failure lands between the checks and the write.
  const r = ksu(sb, 'healthcheck', '--checks', 'command', '--check-command', `chattr +i ${sb.grubenv}`, '--timeout', '5');
  spawnSync('chattr', ['-i', sb.grubenv]);
  if (/Operation not supported|Inappropriate ioctl/.test(r.stderr)) return console.log('    (skipped: this file system has no immutable flag)');
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot open \S+ for writing: EPERM.*\(recorded; grubenv now holds active_slot=B boot_counter=2 boot_success=0\) \(safety rule: every failed effect keeps its reason\)/);
  const tail = events(sb).slice(-3);
  assert.equal(tail.map((e) => e.type), ['Intent', 'IntentFailed', 'HealthcheckPassed']);
  assert.equal(tail[1].data.observed, { active_slot: 'B', boot_counter: 2, boot_success: 0 });
  assert.equal([tail[2].data.markedGood, tail[2].data.checks[0].ok], [false, true]);
  assert.match(tail[2].data.error, /marking slot B good failed: .*EPERM/);
  assert.is(ksu(sb, 'note', 'next writer').code, 0);
  assert.not.ok(events(sb).some((e) => e.type === 'HealthcheckFailed' || e.type === 'IntentAbandoned'), 'the next writer finds nothing left open');
  assert.is(JSON.parse(ksu(sb, 'status', '--json').stdout).state.phase, 'activated', 'still on trial; the next check can mark it good');
  assert.is(ksu(sb, 'healthcheck', '--checks', 'disk-writable').code, 0);
});

test('a failed activate keeps its reason too', async () => {
  if (!haveChattr) return console.log('    (skipped: no chattr)');
  const sb = makeSandbox();
  const srv = await serve(r110);
  try { assert.is((await ksuAsync(sb, 'apply', '--server', srv.url, '--pubkey', pub.pub)).code, 0); } finally { await srv.close(); }
  const lock = spawnSync('chattr', ['+i', sb.grubenv]);
  if (lock.status !== 0) return console.log(`    (skipped: chattr: ${lock.stderr})`);
  const r = ksu(sb, 'activate');
  spawnSync('chattr', ['-i', sb.grubenv]);
  assert.is(r.code, 1);
  const last = events(sb).at(-1);
  assert.equal([last.type, last.data.action, last.data.observed.active_slot], ['IntentFailed', 'activate', 'A']);
  assert.is(JSON.parse(ksu(sb, 'status', '--json').stdout).state.phase, 'staged');
});

test('--timeout bounds a check: a hanging command and its children end at the limit; the lock is free again', async () => {
  const sb = makeSandbox();
  const started = Date.now();
  // A duration no other test uses: pgrep sees every process on the machine, the model lane's 'sleep 1000' too.
  const hang = `sleep 1000.${process.pid}${Date.now() % 1000}`;
  const r = await cli(['--root', sb.root, 'healthcheck', '--checks', 'command', '--check-command', hang, '--timeout', '3'], E);
  const took = Date.now() - started;
  assert.is(r.code, 1);
  assert.match(r.stdout, /timed out after \d+ ms; its process group was killed/);
  assert.ok(took < 3000 + 20_000, `took ${took} ms`);
  assert.is(spawnSync('pgrep', ['-f', hang]).status, 1, 'no sleep left running');
  const left = `sleep 300.${process.pid}${Date.now() % 1000}`;
  const bg = await cli(['--root', sb.root, 'healthcheck', '--checks', 'command', '--check-command', `${left} & echo started`, '--timeout', '3'], E);
  assert.is(bg.code, 0, 'the command exited 0: it passed');
  assert.is(spawnSync('pgrep', ['-f', left]).status, 1, 'what it left behind was killed');
});

test('check holds no lock on the network: a rollback goes ahead while check waits on a silent server', async () => {
  const sb = await onTrial();
  const silent = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  // The rollback runs once check's request has reached the server: check is then surely waiting
  // on the network (a fixed delay would, on a busy machine, run it before check even started).
  const asked = new Promise((r) => silent.once('request', r));
  const check = spawn(process.execPath, [CLI, '--root', sb.root, 'check', '--server', `http://127.0.0.1:${(silent.address() as { port: number }).port}/`, '--http-timeout', '30'], { env: { ...process.env, ...E } });
  try {
    await asked;
    const r = ksu(sb, 'rollback');
    assert.is(r.code, 0, r.stderr);
    assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
  } finally {
    check.kill('SIGKILL');
    silent.closeAllConnections();
    silent.close();
  }
});

test('one failure, one event; authenticated facts only: unsigned latest.json with a key and a missing .sig is one UpdateChecked {error}', async () => {
  const meta = JSON.parse(readFileSync(join(r110, 'latest.json'), 'utf8'));
  delete meta.metadata_sig_url; delete meta.statement; delete meta.statement_sig;
  const srv = await serve(r110, {
    '/latest.json': (_q, res) => res.end(JSON.stringify(meta)),
    '/kubesolo-os.gz.sig': (_q, res) => { res.statusCode = 404; res.end(); },
  });
  const sb = makeSandbox();
  try {
    const r = await ksuAsync(sb, 'apply', '--server', srv.url, '--pubkey', pub.pub);
    assert.is(r.code, 1);
    const failures = events(sb).filter((e) => e.type === 'AttemptFailed' || (e.type === 'UpdateChecked' && e.data.error));
    assert.equal(failures.map((e) => e.type), ['UpdateChecked']);
    assert.match(failures[0].data.error, /not signed/);
  } finally { await srv.close(); }
});

test('a rolled-back release relabelled is refused by its bytes', async () => {
  const sb = await onTrial();
  assert.is(ksu(sb, 'healthcheck', '--checks', 'command', '--check-command', 'false', '--timeout', '0', '--auto-rollback-after', '1').code, 1);
  reboot(sb, null);
  const srv = await serve(relabelled);
  try {
    const r = await ksuAsync(sb, 'apply', '--server', srv.url, '--pubkey', pub.pub);
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, /v1\.3\.0 has the same artifacts \(SHA-256\) as a release that was rolled back before/);
    assert.equal(events(sb).filter((e) => e.type === 'AttemptFailed').map((e) => e.data.gate).at(-1), 'rejected');
  } finally { await srv.close(); }
});

test.run();
