/**
 * A lost log is never silently restarted. A sandbox node with a rolled-back release (v1.2.0,
 * rejected) and a healthy trial running (v1.1.0 on B) loses part of its log with the checkpoint
 * kept — the only segment emptied, deleted, or its acknowledged tail cut — and then boots: the
 * post-boot healthcheck must still mark the trial good, the loss must be recorded and shown, apply
 * must refuse until an operator acknowledges it, and v1.2.0 must stay rejected after that.
 */
import { readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { env, makeSandbox, reboot, type Sandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';

const pub = publisher(4096, 16384);
// The publisher re-published v1.1.0 after pulling v1.2.0: its serial is the newer one, as a node
// that accepted v1.2.0's statement requires.
const release = (name: string, version: string, seed: number, serial: number) => {
  writeFileSync(join(pub.work, 'kernel'), Buffer.alloc(4096, seed));
  writeFileSync(join(pub.work, 'initramfs'), Buffer.alloc(16384, seed + 1));
  return pub.release(name, version, '--serial', String(serial));
};
const r120 = release('r120', 'v1.2.0', 2, 1), r110 = release('r110', 'v1.1.0', 1, 2);
// The rejected v1.2.0 served again later, signed anew: only its version and bytes can stop it.
const r120again = release('r120again', 'v1.2.0', 2, 3);
const E = { KUBECONFIG: '/nonexistent' };
const ksu = (sb: Sandbox, ...args: string[]) => cliSync(['--root', sb.root, ...args], E);
const ksuAsync = (sb: Sandbox, ...args: string[]) => cli(['--root', sb.root, ...args], E);
const events = (sb: Sandbox) => ksu(sb, 'events').stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const PASS = ['healthcheck', '--checks', 'disk-writable', '--timeout', '5'];

async function applyFrom(sb: Sandbox, dir: string, ...flags: string[]) {
  const srv = await serve(dir);
  try { return await ksuAsync(sb, 'apply', '--server', srv.url, '--pubkey', pub.pub, ...flags); } finally { await srv.close(); }
}

/** v1.2.0 tried and rolled back (rejected), then v1.1.0 activated: the node has rebooted into B, on trial. */
async function nodeOnTrial(): Promise<Sandbox> {
  const sb = makeSandbox();
  assert.is((await applyFrom(sb, r120)).code, 0);
  assert.is(ksu(sb, 'activate').code, 0);
  reboot(sb, null);
  assert.is(ksu(sb, 'rollback').code, 0);
  reboot(sb, null);
  assert.is((await applyFrom(sb, r110)).code, 0);
  assert.is(ksu(sb, 'activate').code, 0);
  reboot(sb, null);
  assert.equal(env(sb), { active_slot: 'B', boot_counter: '2', boot_success: '0' });
  return sb;
}

const segmentsOf = (sb: Sandbox) => readdirSync(join(sb.dataDir, 'events')).filter((n) => n.endsWith('.seg')).sort();
const quarantined = (sb: Sandbox) => readdirSync(join(sb.dataDir, 'events/quarantine'));

const DAMAGE: Record<string, (sb: Sandbox) => void> = {
  'the only segment emptied': (sb) => truncateSync(join(sb.dataDir, 'events', segmentsOf(sb)[0]), 0),
  'the only segment deleted': (sb) => rmSync(join(sb.dataDir, 'events', segmentsOf(sb)[0])),
  '37 acknowledged bytes cut off the tail': (sb) => {
    const seg = join(sb.dataDir, 'events', segmentsOf(sb).at(-1)!);
    truncateSync(seg, statSync(seg).size - 37);
  },
};

for (const [damage, inflict] of Object.entries(DAMAGE)) {
  test(`${damage}, checkpoint kept: the loss is recorded, the trial still passes, apply waits for repair --accept-loss, v1.2.0 stays rejected`, async () => {
    const sb = await nodeOnTrial();
    assert.equal(segmentsOf(sb).length, 1, 'the scenario fits one segment');
    const before = JSON.parse(ksu(sb, 'verify', '--json').stdout);
    assert.ok(before.ok && before.lastSeq > 20);
    inflict(sb);

    // Before any writer: verify and status already say so.
    const early = ksu(sb, 'verify');
    assert.is(early.code, 1, early.stdout);
    assert.match(early.stdout, new RegExp(`checkpoint recorded seq ${before.lastSeq} with head ${before.head}`));
    assert.match(ksu(sb, 'status').stdout, /^WARNING: the checkpoint recorded seq \d+ .* the next writer command records the loss \(LogLost\)$/m);
    assert.match(ksu(sb, 'history').stderr, /^kubesolo-update: history: warning: the checkpoint recorded seq \d+ .* records the loss \(LogLost\)$/m);

    // The node boots: the post-boot healthcheck marks the healthy trial good.
    const hc = ksu(sb, ...PASS);
    assert.is(hc.code, 0, hc.stderr);
    assert.equal(env(sb), { active_slot: 'B', boot_counter: '2', boot_success: '1' });

    const after = events(sb);
    const lost = after.find((e) => e.type === 'LogLost');
    assert.ok(lost, 'LogLost recorded');
    assert.is(lost.data.to, before.lastSeq);
    assert.is(lost.seq, before.lastSeq + 1, 'no seq is used twice');
    assert.is(lost.data.lostHead, before.head);
    assert.match(lost.data.evidence, /^the checkpoint .*checkpoint$/);
    assert.ok(after.filter((e) => e.seq < lost.seq).every((e) => e.seq < lost.data.from), 'what survived lies before the lost range');
    const passed = after.find((e) => e.type === 'HealthcheckPassed');
    assert.ok(passed && passed.seq > lost.seq && passed.data.markedGood === true);
    if (damage !== 'the only segment deleted') assert.ok(quarantined(sb).length > 0, 'the damaged bytes are kept in quarantine');

    // Until acknowledged: verify exits 1, status shows it, apply refuses even with --force.
    const v = ksu(sb, 'verify');
    assert.is(v.code, 1);
    assert.match(v.stderr, /the log lost acknowledged event/);
    assert.match(v.stdout, /result: +clean/);
    const st = JSON.parse(ksu(sb, 'status', '--json').stdout);
    assert.is(st.log_losses.length, 1);
    assert.is(st.log_losses[0].accepted, null);
    assert.ok(st.warnings.some((w: string) => /lost acknowledged/.test(w)));
    assert.is(st.state.phase, 'success');
    const refused = await applyFrom(sb, r120again, '--force');
    assert.is(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /refusing to install over a history nobody has reviewed \(safety rule: never install over a lost history\)/);
    assert.is(events(sb).at(-1).type, 'UpdateDeferred');

    // The explicit step, recorded; then verify is clean and v1.2.0 is still rejected.
    const r = ksu(sb, 'repair', '--accept-loss', '--reason', 'disk replaced');
    assert.is(r.code, 0, r.stderr);
    const accepted = events(sb).at(-1);
    assert.equal([accepted.type, accepted.data.losses, accepted.data.reason], ['LossAccepted', [lost.seq], 'disk replaced']);
    assert.is(ksu(sb, 'verify').code, 0);
    const again = await applyFrom(sb, r120again);
    assert.is(again.code, 3, again.stderr);
    assert.match(again.stderr, /rolled back/);
    assert.equal(events(sb).at(-1).data.gate, 'rejected');
    // Nothing rewritten: every event before the loss is still there, byte for byte the same seqs.
    assert.equal(ksu(sb, 'repair', '--accept-loss').stdout.trim(), 'no lost log range to acknowledge');
  });
}

test('a log and checkpoint both gone are a new log (no evidence is left), and the trial in grubenv is still adopted and passes', async () => {
  const sb = await nodeOnTrial();
  rmSync(join(sb.dataDir, 'events'), { recursive: true });
  rmSync(join(sb.dataDir, 'checkpoint'));
  const hc = ksu(sb, ...PASS);
  assert.is(hc.code, 0, hc.stderr);
  assert.equal(env(sb).boot_success, '1');
  const types = events(sb).map((e) => e.type);
  assert.not.ok(types.includes('LogLost'));
  assert.ok(types.includes('TrialAdopted'));
});

test('the checkpoint of an older projection version is still evidence', async () => {
  const sb = await nodeOnTrial();
  const cp = readFileSync(join(sb.dataDir, 'checkpoint'));
  cp.writeUInt32LE(1, 8); // the header's projection version; the CRC covers only the payload
  writeFileSync(join(sb.dataDir, 'checkpoint'), cp);
  truncateSync(join(sb.dataDir, 'events', segmentsOf(sb)[0]), 0);
  assert.is(ksu(sb, ...PASS).code, 0);
  const lost = events(sb).find((e) => e.type === 'LogLost');
  assert.ok(lost);
  assert.is(lost.data.from, 1);
  // An older shape is not restored wholesale, but the rejected releases are kept.
  const refused = await applyFrom(sb, r120again, '--force');
  assert.is(refused.code, 3);
  assert.is(ksu(sb, 'repair', '--accept-loss').code, 0);
  const gate = await applyFrom(sb, r120again);
  assert.is(gate.code, 3, gate.stderr);
  assert.match(gate.stderr, /rolled back/);
});

test.run();
