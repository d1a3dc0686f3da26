/**
 * SIGINT and SIGTERM sent to the real binary while it writes: each intent → effect → outcome
 * step completes, then the command stops with 128 + signo. Checking or downloading ends the
 * attempt as AttemptFailed {step: "interrupted", signal}; a resting phase (staged, activated)
 * fails nothing; a boot-time healthcheck goes back from verifying to activated. Every signal is
 * scheduled from observed progress: a DownloadProgress in the log, a check that has started, or
 * a named step point where the process signals itself (KUBESOLO_UPDATE_CRASH=point:N:SIGTERM).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGrubenv } from '../../src/boot/grubenv.js';
import { CLI, cli, type CliResult } from '../helpers/cli.js';
import { eventually } from '../helpers/child.js';
import { publisher } from '../helpers/publisher.js';
import { env, makeSandbox, reboot, stage, type Sandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';

const MiB = 1024 * 1024;
const pub = publisher(64 * 1024, 6 * MiB);
const v2 = pub.release('v2', 'v2.0.0');
const initramfsSha = createHash('sha256').update(readFileSync(join(pub.work, 'initramfs'))).digest('hex');

interface Ev { seq: number; type: string; attempt?: string; data: Record<string, any> }
const ksu = (sb: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) => cli(['--root', sb.root, ...args], env);
const eventsOf = async (sb: Sandbox): Promise<Ev[]> => (await ksu(sb, ['events'])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const phase = async (sb: Sandbox): Promise<string> => JSON.parse((await ksu(sb, ['status', '--json'])).stdout).state.phase;
/** stderr without apply's informational lines (no kubeconfig for the node-block pre-flight). */
const problems = (r: CliResult) => r.stderr.split('\n').filter((l) => l && !/: note: /.test(l));

/** The command ended and let its lock go: the next writer runs at once, without waiting. */
async function lockReleased(sb: Sandbox): Promise<void> {
  assert.not.ok(existsSync(join(sb.dataDir, 'lock')), 'the lock directory is gone');
  const next = await ksu(sb, ['--wait', '0', 'note', 'the next writer']);
  assert.is(next.code, 0, next.stderr);
}

/** grubenv is a whole GRUB environment block: 1024 bytes that parse. */
function wholeBlock(sb: Sandbox): void {
  const block = readFileSync(sb.grubenv);
  assert.is(block.length, 1024);
  assert.ok(parseGrubenv(block).length > 0);
}

function started(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...extraEnv } });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const ended = new Promise<CliResult>((r) => child.on('close', (code, signal) => r({ code, signal, stdout, stderr })));
  return { child, ended };
}

test('SIGTERM while downloading (sent once the log shows a DownloadProgress): AttemptFailed {interrupted, SIGTERM}, exit 143; the next apply resumes with Range', async () => {
  // 6 MiB at 1 MiB/s: a durable checkpoint every 10 %, and seconds of download left when the signal comes.
  const slow = await serve(v2, {}, { bytesPerSecond: MiB });
  const fast = await serve(v2);
  const sb = makeSandbox();
  const grubenvBefore = readFileSync(sb.grubenv);
  const args = ['--root', sb.root, 'apply', '--pubkey', pub.pub];
  try {
    const run = started([...args, '--server', slow.url]);
    const seen = await eventually('a DownloadProgress of kubesolo-os.gz in the log', async () => {
      const p = (await eventsOf(sb)).filter((e) => e.type === 'DownloadProgress' && e.data.artifact === 'kubesolo-os.gz');
      return p.length > 0 ? p[p.length - 1].data.bytes as number : undefined;
    }, 60_000, 100);
    run.child.kill('SIGTERM');
    const r = await run.ended;
    assert.is(r.code, 143, r.stderr);
    assert.is(r.signal, null, 'it exited by itself, not by the signal');
    assert.equal(problems(r).length, 1, r.stderr);
    assert.match(problems(r)[0], /^kubesolo-update: apply: stopped by SIGTERM while downloading: attempt \S+ is recorded as failed \(step "interrupted"\); the next apply resumes the download/);

    const evs = await eventsOf(sb);
    const last = evs[evs.length - 1];
    assert.is(last.type, 'AttemptFailed');
    assert.equal(last.data, { step: 'interrupted', error: 'stopped by SIGTERM while downloading', signal: 'SIGTERM' });
    // The bytes written before it stopped were synced and recorded: the resume starts there.
    const before = evs[evs.length - 2];
    assert.is(before.type, 'DownloadProgress');
    assert.is(before.data.artifact, 'kubesolo-os.gz');
    const kept = before.data.bytes as number;
    assert.ok(kept >= seen && kept < 6 * MiB, `kept ${kept} of ${6 * MiB}, seen ${seen}`);
    assert.not.ok(evs.some((e) => e.type === 'Staged'));
    assert.not.ok(existsSync(join(sb.root, 'slots/B/version')), 'a slot torn by the stop has no version file');
    assert.ok(readFileSync(sb.grubenv).equals(grubenvBefore), 'grubenv untouched');
    assert.is(await phase(sb), 'failed');
    await lockReleased(sb);

    const again = await cli([...args, '--server', fast.url]);
    assert.is(again.code, 0, again.stderr);
    const after = (await eventsOf(sb)).slice(evs.length);
    const resumed = after.find((e) => e.type === 'DownloadStarted' && e.data.artifact === 'kubesolo-os.gz');
    assert.is(resumed?.data.resumeFrom, kept);
    assert.equal(fast.requests.filter((q) => q.path === '/kubesolo-os.gz').map((q) => q.range), [`bytes=${kept}-`]);
    const staged = after.find((e) => e.type === 'Staged');
    assert.is(staged?.data.artifacts.find((a: { name: string }) => a.name === 'kubesolo-os.gz').sha256, initramfsSha);
    assert.is(createHash('sha256').update(readFileSync(join(sb.root, 'slots/B/kubesolo-os.gz'))).digest('hex'), initramfsSha);
  } finally {
    await slow.close();
    await fast.close();
  }
});

test('SIGINT while checking (sent at the point after AttemptStarted): AttemptFailed {interrupted, SIGINT}, exit 130, the slot untouched', async () => {
  const srv = await serve(v2);
  const sb = makeSandbox();
  try {
    const r = await ksu(sb, ['apply', '--server', srv.url, '--pubkey', pub.pub], { KUBESOLO_UPDATE_CRASH: 'apply.after-started:1:SIGINT' });
    assert.is(r.code, 130, r.stderr);
    assert.equal(problems(r).length, 1, r.stderr);
    assert.match(problems(r)[0], /^kubesolo-update: apply: stopped by SIGINT before the download began: attempt \S+ is recorded as failed \(step "interrupted"\)/);
    const evs = await eventsOf(sb);
    const attempt = evs.find((e) => e.type === 'AttemptStarted')!.attempt;
    assert.equal(evs.filter((e) => e.attempt === attempt).map((e) => e.type), ['AttemptStarted', 'MetadataFetched', 'AttemptFailed']);
    assert.equal(evs[evs.length - 1].data, { step: 'interrupted', error: 'stopped by SIGINT while checking', signal: 'SIGINT' });
    assert.is(srv.hits.get('/kubesolo-os.gz'), undefined, 'nothing was downloaded');
    await lockReleased(sb);
    const again = await ksu(sb, ['apply', '--server', srv.url, '--pubkey', pub.pub]);
    assert.is(again.code, 0, again.stderr);
    assert.is(await phase(sb), 'staged');
  } finally {
    await srv.close();
  }
});

test('SIGTERM as apply writes the version file (resting in staged): Staged recorded, nothing failed, exit 143', async () => {
  const srv = await serve(v2);
  const sb = makeSandbox();
  try {
    const r = await ksu(sb, ['apply', '--server', srv.url, '--pubkey', pub.pub], { KUBESOLO_UPDATE_CRASH: 'apply.after-version-written:1:SIGTERM' });
    assert.is(r.code, 143, r.stderr);
    assert.match(r.stdout, 'v2.0.0 staged in slot B');
    assert.equal(problems(r), ["kubesolo-update: apply: stopped by SIGTERM: it came during the command's last step, which completed (phase staged)"]);
    const evs = await eventsOf(sb);
    assert.is(evs[evs.length - 1].type, 'Staged');
    assert.not.ok(evs.some((e) => e.type === 'AttemptFailed'));
    assert.is(await phase(sb), 'staged');
    await lockReleased(sb);
  } finally {
    await srv.close();
  }
});

test('SIGTERM after the Intent and SIGINT after the grubenv write of activate: the step completes whole, nothing fails, exit 143', async () => {
  const sb = makeSandbox();
  await stage(sb, 'v1.1.0', 'B', 'v1.0.0');
  const r = await ksu(sb, ['activate'], { KUBESOLO_UPDATE_CRASH: 'activate.after-intent:1:SIGTERM,activate.after-grubenv:1:SIGINT' });
  assert.is(r.code, 143, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, 'slot B (v1.1.0) boots next, on trial');
  assert.equal(problems(r), ["kubesolo-update: activate: stopped by SIGTERM: it came during the command's last step, which completed (phase activated)"]);
  wholeBlock(sb);
  assert.equal(env(sb), { active_slot: 'B', boot_counter: '3', boot_success: '0' });
  const evs = await eventsOf(sb);
  assert.equal(evs.slice(-2).map((e) => [e.type, e.data.action ?? e.data.slot]), [['Intent', 'activate'], ['Activated', 'B']]);
  await lockReleased(sb);
  // The next writer found the step whole: nothing to recover, nothing abandoned, nothing failed.
  const types = (await eventsOf(sb)).map((e) => e.type);
  for (const t of ['IntentAbandoned', 'AttemptFailed', 'IntentFailed']) assert.not.ok(types.includes(t), t);
  assert.is(await phase(sb), 'activated');
});

test('SIGTERM during a boot-time healthcheck (sent once the check has started): verifying returns to activated, nothing counted, exit 143', async () => {
  const sb = makeSandbox();
  await stage(sb, 'v1.1.0', 'B', 'v1.0.0');
  assert.is((await ksu(sb, ['activate'])).code, 0);
  assert.is(reboot(sb, null), 'B');
  const grubenvBefore = readFileSync(sb.grubenv);
  const marker = join(sb.root, 'check.pid');
  const run = started(['--root', sb.root, 'healthcheck', '--checks', 'command', '--check-command', `echo $$ > ${marker}.tmp && mv ${marker}.tmp ${marker}; sleep 60`, '--timeout', '120']);
  const checkPid = await eventually('the check command to start', () => (existsSync(marker) ? Number(readFileSync(marker, 'utf8')) : undefined), 30_000);
  assert.is(await phase(sb), 'verifying');
  run.child.kill('SIGTERM');
  const r = await run.ended;
  assert.is(r.code, 143, r.stderr);
  assert.equal(problems(r), ['kubesolo-update: healthcheck: stopped by SIGTERM during the health check: nothing was counted; slot B stays on trial (activated) and the next healthcheck decides']);
  const evs = await eventsOf(sb);
  assert.equal(evs.slice(-2).map((e) => e.type), ['HealthcheckStarted', 'HealthcheckFailed']);
  assert.equal(evs[evs.length - 1].data, { checks: [], consecutiveFailures: 0, interrupted: true, signal: 'SIGTERM', consecutive_failures: 0 });
  assert.not.ok(evs.some((e) => e.type === 'AttemptFailed'));
  assert.is(await phase(sb), 'activated');
  assert.ok(readFileSync(sb.grubenv).equals(grubenvBefore), 'grubenv untouched: still on trial');
  // The check's process group went with the agent.
  await eventually('the check command to be gone', () => { try { process.kill(-checkPid, 0); return undefined; } catch { return true; } });
  await lockReleased(sb);
  const next = await ksu(sb, ['healthcheck', '--checks', 'disk-writable', '--timeout', '5']);
  assert.is(next.code, 0, next.stderr);
  assert.is(await phase(sb), 'success');
});

test.run();
