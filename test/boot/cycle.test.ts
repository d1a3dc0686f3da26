/**
 * Whole update cycles on a node in a --root sandbox, the agent run as a real process between
 * boots, the bootloader run in real GRUB (grub-emu) between them (the TypeScript model where
 * grub-emu is missing, said so).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GrubEmu, grubEmuUnavailable } from '../../src/boot/grubEmu.js';
import { cliSync } from '../helpers/cli.js';
import { env, makeSandbox, reboot, stage, type Sandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';

const why = grubEmuUnavailable();
if (why && process.env.CI) throw new Error(`CI must run grub-emu: ${why}`);
const grub = why ? null : new GrubEmu(tmpDir('ksu-grub-'));
if (why) console.log(`    (grub-emu unavailable: ${why}; reboots use the TypeScript model)`);

const ksu = (sb: Sandbox, ...args: string[]) => cliSync(['--root', sb.root, ...args]);
const ok = (sb: Sandbox, ...args: string[]) => {
  const r = ksu(sb, ...args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
};
const types = (sb: Sandbox) => ok(sb, 'events').trim().split('\n').map((l) => JSON.parse(l).type);
const status = (sb: Sandbox) => JSON.parse(ok(sb, 'status', '--json'));
const PASS = ['--checks', 'disk-writable', '--timeout', '2'];
const FAIL = ['--checks', 'command', '--check-command', 'exit 1', '--timeout', '1'];

test('staged → activate → reboot → healthcheck passes → success, and it stays on the new slot', async () => {
  const sb = makeSandbox();
  const attempt = await stage(sb, 'v1.1.0', 'B', 'v1.0.0');
  assert.match(ok(sb, 'activate'), 'slot B (v1.1.0) boots next, on trial');
  assert.equal(env(sb), { active_slot: 'B', boot_counter: '3', boot_success: '0' });
  // Right after activate, before any reboot: nothing may record a rollback.
  ok(sb, 'note', 'activated, not rebooted yet');
  ok(sb, 'healthcheck', ...PASS);
  let s = status(sb);
  assert.equal([s.state.phase, s.slots.booted, s.boot.active_slot, s.pending], ['activated', 'A', 'B', { switch_to: 'B' }]);
  assert.not.ok(types(sb).includes('RolledBack'));

  assert.is(reboot(sb, grub), 'B');
  assert.equal(env(sb).boot_counter, '2');
  assert.match(ok(sb, 'healthcheck', ...PASS), 'slot B marked good; the update to v1.1.0 succeeded');
  assert.equal(env(sb), { active_slot: 'B', boot_counter: '2', boot_success: '1' });
  s = status(sb);
  assert.equal([s.state.phase, s.slots.booted, s.pending, s.slots.B.version], ['success', 'B', null, 'v1.1.0']);

  for (let i = 0; i < 3; i++) {
    assert.is(reboot(sb, grub), 'B', 'a verified slot never counts down');
    ok(sb, 'healthcheck', ...PASS);
  }
  assert.equal(env(sb), { active_slot: 'B', boot_counter: '2', boot_success: '1' });
  const [h] = JSON.parse(ok(sb, 'history', '--json')).attempts;
  assert.equal([h.id, h.outcome, h.boots.length, h.healthchecks.length], [attempt, 'success', 1, 1]);
});

test('three failed boots on trial: GRUB falls back, and the next command records the bootloader rollback', async () => {
  const sb = makeSandbox();
  await stage(sb, 'v1.2.0', 'B', 'v1.0.0');
  ok(sb, 'activate');
  for (let boot = 1; boot <= 3; boot++) {
    assert.is(reboot(sb, grub), 'B');
    const r = ksu(sb, 'healthcheck', ...FAIL);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, `unhealthy (${boot} consecutive failure`);
    assert.not.ok(types(sb).includes('RolledBack'), 'not before GRUB actually fell back');
  }
  assert.is(reboot(sb, grub), 'A', 'GRUB falls back on the fourth boot');
  assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
  ok(sb, 'note', 'after the fallback');
  const ev = ok(sb, 'events', '--type', 'RolledBack').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(ev.length, 1);
  assert.equal(ev[0].data, { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: 'B', from_slot: 'B', toSlot: 'A', to_slot: 'A' });
  const [h] = JSON.parse(ok(sb, 'history', '--json')).attempts;
  assert.equal([h.outcome, h.rollback.by], ['rolled_back', 'bootloader']);
  assert.equal(h.boots.map((b: { slot: string; boot_counter: number }) => `${b.slot}${b.boot_counter}`), ['B2', 'B1', 'B0', 'A3']);
  assert.is(h.healthchecks.length, 3);
  assert.is(status(sb).state.phase, 'rolled_back');
});

test('boots the agent never saw are inferred from the counter', async () => {
  const sb = makeSandbox();
  await stage(sb, 'v1.3.0', 'B', 'v1.0.0');
  ok(sb, 'activate');
  for (let i = 0; i < 3; i++) reboot(sb, grub);
  assert.is(reboot(sb, grub), 'A');
  ok(sb, 'status');
  ok(sb, 'note', 'first command after four boots');
  const [h] = JSON.parse(ok(sb, 'history', '--json')).attempts;
  assert.equal(h.boots.map((b: { slot: string; boot_counter: number; inferred?: boolean }) => `${b.slot}${b.boot_counter}${b.inferred ? '?' : ''}`), ['B2?', 'B1?', 'B0?', 'A3']);
  assert.equal([h.outcome, h.rollback.by], ['rolled_back', 'bootloader']);
});

test('auto rollback: at --auto-rollback-after N consecutive failures GRUB is pointed back, without a reboot', async () => {
  const sb = makeSandbox();
  await stage(sb, 'v1.4.0', 'B', 'v1.0.0');
  ok(sb, 'activate');
  assert.is(reboot(sb, grub), 'B');
  let r = ksu(sb, 'healthcheck', ...FAIL, '--auto-rollback-after', '2');
  assert.is(r.code, 1);
  assert.equal(env(sb).active_slot, 'B');
  r = ksu(sb, 'healthcheck', ...FAIL, '--auto-rollback-after', '2');
  assert.is(r.code, 1, 'the health check still failed');
  assert.match(r.stdout, 'rolled back to slot A (boots next; nothing was rebooted)');
  assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
  const [h] = JSON.parse(ok(sb, 'history', '--json')).attempts;
  assert.equal([h.outcome, h.rollback], ['rolled_back', { by: 'auto', reason: '2 consecutive failed health checks' }]);
  assert.is(reboot(sb, grub), 'A');
  ok(sb, 'note', 'back on A');
  assert.is(ok(sb, 'events', '--type', 'RolledBack').trim().split('\n').length, 1, 'no second rollback recorded for the same attempt');
});

test('manual rollback: back to the previous slot, then nothing to do; a switch pending is cancelled', async () => {
  const sb = makeSandbox();
  await stage(sb, 'v1.1.0', 'B', 'v1.0.0');
  ok(sb, 'activate');
  // Pending switch (not rebooted): rollback returns to the running slot.
  assert.match(ok(sb, 'rollback', '--reason', 'changed my mind'), 'slot A boots next');
  assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
  assert.match(ok(sb, 'rollback', '--to', 'A'), 'GRUB already boots slot A; nothing to roll back');
  const rb = ok(sb, 'events', '--type', 'RolledBack').trim().split('\n').map((l) => JSON.parse(l).data);
  assert.equal(rb, [{ by: 'manual', reason: 'changed my mind', fromSlot: 'B', from_slot: 'B', toSlot: 'A', to_slot: 'A' }]);
  assert.is(status(sb).state.phase, 'rolled_back');
});

test('refusals exit 3 with the reason and change nothing', async () => {
  const sb = makeSandbox();
  let r = ksu(sb, 'activate');
  assert.is(r.code, 3);
  assert.match(r.stderr, /^kubesolo-update: activate: nothing is staged to activate \(phase idle\)/);
  await stage(sb, 'v1.1.0', 'B', 'v1.0.0');
  writeFileSync(join(sb.root, 'slots/B/vmlinuz'), 'tampered');
  r = ksu(sb, 'activate');
  assert.is(r.code, 3);
  assert.match(r.stderr, 'slot B is not bootable: slot B: vmlinuz does not match the SHA-256 recorded when it was staged');
  assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
  r = ksu(sb, 'rollback', '--to', 'B');
  assert.is(r.code, 3);
  assert.match(r.stderr, 'slot B holds v1.1.0 from attempt');
  writeFileSync(join(sb.root, 'proc/cmdline'), 'console=ttyS0\n');
  r = ksu(sb, 'rollback');
  assert.is(r.code, 3);
  assert.match(r.stderr, 'the booted slot is unknown');
  assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
});

test('rollback never boots, as verified, what the current attempt wrote: staged, then rejected (by name: refused; by default: nothing to do)', async () => {
  const sb = makeSandbox();
  await stage(sb, 'v1.1.0', 'B', 'v1.0.0');
  // Staged and intact: "the other slot" is the new release, never booted. Asked by name, refused;
  // by default, nothing to do (GRUB already boots the verified slot). GRUB untouched either way.
  let r = ksu(sb, 'rollback', '--to', 'B');
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /slot B holds v1\.1\.0 from attempt \S+, which never passed a health check \(phase staged\)/);
  assert.match(ok(sb, 'rollback'), /GRUB already boots slot A, verified; slot B holds v1\.1\.0 that never passed a health check \(phase staged\): nothing to roll back/);
  assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
  // Activated, three failed boots, GRUB falls back to A: B now holds a rejected release.
  ok(sb, 'activate');
  for (let i = 0; i < 4; i++) reboot(sb, null);
  ok(sb, 'note', 'after the fallback'); // a writer: reconciliation records the bootloader's rollback
  assert.is(status(sb).state.phase, 'rolled_back');
  r = ksu(sb, 'rollback', '--to', 'B');
  assert.is(r.code, 3);
  assert.match(r.stderr, /phase rolled_back/);
  assert.match(ok(sb, 'rollback'), /nothing to roll back/);
  assert.equal(env(sb), { active_slot: 'A', boot_counter: '3', boot_success: '1' });
});

test.run();
