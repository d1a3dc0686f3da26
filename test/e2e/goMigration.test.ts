/**
 * Taking over from the Go agent: its own state.json files (test/golden/go-agent/, written by its
 * `state` package) on a node whose ESP may still run its GRUB logic. A migrated attempt left in
 * verifying or activated settles — adopted once, verified, marked good — and a node still booting
 * the Go script (test/fixtures/go-agent-ab-select.cfg in real GRUB) does not flip while healthy.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GrubEmu, grubEmuUnavailable } from '../../src/boot/grubEmu.js';
import { emptyGrubenv, setAll } from '../../src/boot/grubenv.js';
import { cliSync } from '../helpers/cli.js';
import { bootInto, env, makeSandbox, writeSlotFiles, type Sandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/go-agent/', import.meta.url));
const GO_SCRIPT = fileURLToPath(new URL('../../../test/fixtures/go-agent-ab-select.cfg', import.meta.url));
const PASS = ['healthcheck', '--checks', 'disk-writable', '--timeout', '5'];

const ksu = (sb: Sandbox, ...args: string[]) => cliSync(['--root', sb.root, ...args], { KUBECONFIG: '/nonexistent' });
const events = (sb: Sandbox) => ksu(sb, 'events').stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** A node the Go agent left: its state.json, v1.1.0 activated into slot B, booted once by its GRUB logic. */
function goNode(phase: string): Sandbox {
  const sb = makeSandbox('v1.0.0');
  writeSlotFiles(join(sb.root, 'slots/B'), 'v1.1.0');
  writeFileSync(sb.grubenv, setAll(emptyGrubenv(), { active_slot: 'B', boot_counter: 2, boot_success: 0 }));
  sb.boot++;
  bootInto(sb, 'B');
  mkdirSync(sb.dataDir, { recursive: true });
  copyFileSync(join(GOLDEN, `${phase}.json`), join(sb.dataDir, 'state.json'));
  return sb;
}

for (const phase of ['verifying', 'activated']) {
  test(`a Go attempt left ${phase}: adopted once as itself, then a passing health check marks it good`, () => {
    const sb = goNode(phase);
    for (const n of ['one', 'two', 'three']) assert.is(ksu(sb, 'note', n).code, 0);
    const ev = events(sb);
    assert.is(ev[0].type, 'Migrated');
    assert.equal(ev.filter((e) => e.type === 'HealthcheckFailed').length, phase === 'verifying' ? 1 : 0, 'an interrupted check is recorded once, not by every writer');
    const adopted = ev.filter((e) => e.type === 'TrialAdopted');
    assert.is(adopted.length, 1);
    assert.is(adopted[0].attempt, 'migrated-1');
    assert.equal([adopted[0].data.slot, adopted[0].data.version, adopted[0].data.fallback.version], ['B', 'v1.1.0', 'v1.0.0']);
    const r = ksu(sb, ...PASS);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /healthy: slot B marked good; the update to v1\.1\.0 succeeded/);
    const [a] = JSON.parse(ksu(sb, 'history', '--json').stdout).attempts;
    assert.equal([a.id, a.outcome, a.migrated, a.adopted, a.to_slot], ['migrated-1', 'success', true, true, 'B']);
    // The node still runs the Go script: marking good resets its counter too, so it does not count down to a flip.
    assert.equal(env(sb), { active_slot: 'B', boot_counter: '3', boot_success: '1' });
    assert.match(r.stderr, /has no ab_select_version.*know which GRUB script runs/);
  });
}

test('a healthy node still booting the Go agent\'s GRUB logic does not flip: every boot is marked good again', () => {
  const why = grubEmuUnavailable();
  if (why) {
    if (process.env.CI) assert.unreachable(`CI must run grub-emu: ${why}`);
    return console.log(`    (skipped: ${why})`);
  }
  const goGrub = new GrubEmu(tmpDir('ksu-go-grub-'), GO_SCRIPT);
  const sb = makeSandbox('v1.0.0');
  writeFileSync(sb.grubenv, setAll(emptyGrubenv(), { active_slot: 'A', boot_counter: 3, boot_success: 1 }));
  const boot = () => {
    const [b] = goGrub.bootEach([readFileSync(sb.grubenv)]);
    writeFileSync(sb.grubenv, b.block!);
    sb.boot++;
    bootInto(sb, b.slot!);
    return b.slot;
  };
  const slots: Array<string | null> = [];
  for (let i = 0; i < 8; i++) {
    slots.push(boot());
    const r = ksu(sb, ...PASS);
    assert.is(r.code, 0, r.stderr);
  }
  assert.equal(slots, Array(8).fill('A'), 'never flipped while the boot-time health check runs');
  const status = JSON.parse(ksu(sb, 'status', '--json').stdout);
  assert.equal(status.boot_env.script, null);
  assert.ok(status.warnings.some((w: string) => /no ab_select_version/.test(w)), 'status warns about the foreign script');
  // Without the health check the Go logic itself gives up on a good slot: what our script fixes.
  for (let i = 0; i < 4; i++) slots.push(boot());
  assert.is(slots.at(-1), 'B', 'the Go logic flips a node nobody marks good (UPSTREAM.md §9.8)');
});

test.run();
