/**
 * kill -9 between every effect and its event in activate, rollback and healthcheck (named crash
 * points): the next command reconciles from what grubenv shows, and grubenv never points at a
 * slot that is not bootable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cliSync } from '../helpers/cli.js';
import { env, makeSandbox, reboot, stage, type Sandbox } from '../helpers/sandbox.js';

const ksu = (sb: Sandbox, args: string[], crash?: string) => cliSync(['--root', sb.root, ...args], crash ? { KUBESOLO_UPDATE_CRASH: crash } : {});
const events = (sb: Sandbox) => ksu(sb, ['events']).stdout.trim().split('\n').map((l) => JSON.parse(l));
const phase = (sb: Sandbox) => JSON.parse(ksu(sb, ['status', '--json']).stdout).state.phase;
const PASS = ['healthcheck', '--checks', 'disk-writable', '--timeout', '2'];

function pointsAtBootable(sb: Sandbox): void {
  const slot = env(sb).active_slot;
  assert.ok(existsSync(join(sb.root, 'slots', slot, 'version')), `grubenv points at slot ${slot}, which has no complete image`);
}

function killedAt(sb: Sandbox, args: string[], point: string): void {
  const r = ksu(sb, args, `${point}:1`);
  assert.is(r.signal, 'SIGKILL', `${point}: ${r.stdout}${r.stderr}`);
}

function afterRecovery(sb: Sandbox) {
  const r = ksu(sb, ['note', 'recovering']);
  assert.is(r.code, 0, r.stderr);
  assert.is(ksu(sb, ['verify']).code, 0);
  pointsAtBootable(sb);
  return events(sb);
}

const cases: Array<{ point: string; setup: (sb: Sandbox) => Promise<void>; run: string[]; expect: (sb: Sandbox, ev: Array<{ type: string; data: Record<string, unknown> }>) => void }> = [
  {
    point: 'activate.after-intent', setup: (sb) => stage(sb, 'v2', 'B', 'v1.0.0').then(() => {}), run: ['activate'],
    expect: (sb, ev) => {
      assert.is(ev[ev.length - 2].type, 'IntentAbandoned');
      assert.is(phase(sb), 'staged');
      assert.is(env(sb).active_slot, 'A');
      assert.is(ksu(sb, ['activate']).code, 0, 'activate works again');
    },
  },
  {
    point: 'activate.after-grubenv', setup: (sb) => stage(sb, 'v2', 'B', 'v1.0.0').then(() => {}), run: ['activate'],
    expect: (sb, ev) => {
      const a = ev.find((e) => e.type === 'Activated')!;
      assert.equal(a.data, { slot: 'B', previousSlot: 'A', previous_slot: 'A', recovered: true });
      assert.is(phase(sb), 'activated');
    },
  },
  {
    point: 'rollback.after-intent', setup: async (sb) => { await stage(sb, 'v2', 'B', 'v1.0.0'); assert.is(ksu(sb, ['activate']).code, 0); }, run: ['rollback'],
    expect: (sb, ev) => {
      assert.is(ev[ev.length - 2].type, 'IntentAbandoned');
      assert.is(env(sb).active_slot, 'B');
      assert.is(phase(sb), 'activated');
    },
  },
  {
    point: 'rollback.after-grubenv', setup: async (sb) => { await stage(sb, 'v2', 'B', 'v1.0.0'); assert.is(ksu(sb, ['activate']).code, 0); }, run: ['rollback'],
    expect: (sb, ev) => {
      const r = ev.find((e) => e.type === 'RolledBack')!;
      assert.equal(r.data, { by: 'manual', reason: 'manual rollback', fromSlot: 'B', from_slot: 'B', toSlot: 'A', to_slot: 'A', recovered: true });
      assert.is(phase(sb), 'rolled_back');
    },
  },
  {
    point: 'healthcheck.after-intent', setup: async (sb) => { await stage(sb, 'v2', 'B', 'v1.0.0'); ksu(sb, ['activate']); reboot(sb, null); }, run: PASS,
    expect: (sb, ev) => {
      assert.ok(ev.some((e) => e.type === 'IntentAbandoned'));
      assert.is(env(sb).boot_success, '0');
      assert.is(phase(sb), 'activated', 'verifying left by a dead process goes back to activated');
      assert.is(ksu(sb, PASS).code, 0);
      assert.is(phase(sb), 'success');
    },
  },
  {
    point: 'healthcheck.after-grubenv', setup: async (sb) => { await stage(sb, 'v2', 'B', 'v1.0.0'); ksu(sb, ['activate']); reboot(sb, null); }, run: PASS,
    expect: (sb, ev) => {
      const p = ev.filter((e) => e.type === 'HealthcheckPassed').pop()!;
      assert.equal(p.data, { checks: [{ name: 'disk-writable', ok: true, ms: (p.data.checks as Array<{ ms: number }>)[0]?.ms }], markedGood: true, marked_good: true, recovered: true }, 'the checks the intent carried are kept');
      assert.is(phase(sb), 'success');
    },
  },
];

for (const c of cases) {
  test(`kill -9 at ${c.point}: the next command reconciles`, async () => {
    const sb = makeSandbox();
    await c.setup(sb);
    killedAt(sb, c.run, c.point);
    c.expect(sb, afterRecovery(sb));
    assert.ok(readFileSync(sb.grubenv).length === 1024);
  });
}

test.run();
