/**
 * `kubesolo-update demo` as an operator runs it: a real child process doing the whole lifecycle
 * (real GRUB between boots when grub-emu is installed), then the sandbox's log read back with
 * the CLI.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { grubEmuUnavailable } from '../../src/boot/grubEmu.js';
import { cli, cliSync } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const why = grubEmuUnavailable();
if (why && process.env.CI) throw new Error(`CI must run grub-emu: ${why}`);
if (why) console.log(`    (grub-emu unavailable: ${why}; the demo's reboots use the TypeScript model)`);

interface Attempt { from_version: string; to_version: string; to_slot: string; outcome: string; rollback: unknown; boots: Array<{ slot: string; boot_counter: number }>; healthchecks: Array<{ ok: boolean }> }

function assertStory(stdout: string): void {
  assert.match(stdout, 'healthcheck: v1.1.0 on slot B is healthy; marked good (boot_success=1): the update to v1.1.0 succeeded');
  assert.match(stdout, 'reboot: boot_counter is 0: GRUB gives up on slot A and falls back to slot B (v1.1.0), verified');
  assert.match(stdout, 'records the rollback (by bootloader: boot counter exhausted); v1.1.0 on slot B is healthy');
  assert.match(stdout, /\nAs scripted: v1\.1\.0 was verified on slot B; v1\.2\.0 failed its health checks on 3 boots and was rolled back by the bootloader/);
}

test('demo --dir: v1.1.0 verified on slot B, v1.2.0 rolled back by the bootloader; the log says so afterwards', async () => {
  const dir = tmpDir('ksu-demo-');
  const r = await cli(['demo', '--dir', dir]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, why ? 'bootloader: the TypeScript model' : 'bootloader: real GRUB (grub-emu)');
  assertStory(r.stdout);
  const node = join(dir, 'node');
  const h = cliSync(['--root', node, 'history', '--json']);
  assert.is(h.code, 0, h.stderr);
  const [second, first] = JSON.parse(h.stdout).attempts as Attempt[];
  assert.equal([first.from_version, first.to_version, first.to_slot, first.outcome], ['v1.0.0', 'v1.1.0', 'B', 'success']);
  assert.equal(first.healthchecks.map((c) => c.ok), [true]);
  assert.equal([second.from_version, second.to_version, second.to_slot, second.outcome], ['v1.1.0', 'v1.2.0', 'A', 'rolled_back']);
  assert.equal(second.rollback, { by: 'bootloader', reason: 'boot counter exhausted' });
  assert.equal(second.boots.map((b) => `${b.slot}${b.boot_counter}`), ['A2', 'A1', 'A0', 'B3']);
  assert.equal(second.healthchecks.map((c) => c.ok), [false, false, false]);
  assert.is(cliSync(['--root', node, 'verify']).code, 0, 'the log the demo left is intact');
});

test('KUBESOLO_DEMO_GRUB=model: the same lifecycle with the TypeScript model; the temporary directory is removed', async () => {
  const tmp = tmpDir('ksu-demo-tmp-');
  const r = await cli(['demo'], { KUBESOLO_DEMO_GRUB: 'model', TMPDIR: tmp });
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, 'bootloader: the TypeScript model of deploy/grub/ab-select.cfg');
  assert.match(r.stdout, '(grub-emu not used: KUBESOLO_DEMO_GRUB=model)');
  assertStory(r.stdout);
  const dir = /directory: +(\S+)/.exec(r.stdout)?.[1];
  assert.ok(dir?.startsWith(tmp), r.stdout);
  assert.not.ok(existsSync(dir!), 'removed after a run that went as scripted');
});

test('a step that does not go as scripted stops the demo: exit 1, one line naming the step, the directory kept', async () => {
  const tmp = tmpDir('ksu-demo-tmp-');
  // A real fault: the activate process is killed right after it wrote grubenv (a crash point).
  const r = await cli(['demo'], { KUBESOLO_DEMO_GRUB: 'model', TMPDIR: tmp, KUBESOLO_UPDATE_CRASH: 'activate.after-grubenv:1' });
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^kubesolo-update: demo: step 6 \(activate\) did not go as scripted: expected exit 0, got 137 \(killed by SIGKILL\)\n$/);
  assert.not.match(r.stdout, 'As scripted');
  const [kept] = readdirSync(tmp);
  assert.match(r.stdout, `kept for a look: ${join(tmp, kept)}`);
  assert.ok(existsSync(join(tmp, kept, 'node/var/lib/kubesolo/update')));
});

test('--dir must be empty, and KUBESOLO_DEMO_GRUB takes only auto, emu or model (exit 2, nothing run)', async () => {
  const dir = tmpDir('ksu-demo-');
  writeFileSync(join(dir, 'something'), 'x');
  let r = await cli(['demo', '--dir', dir]);
  assert.is(r.code, 2);
  assert.match(r.stderr, `kubesolo-update: demo: --dir ${dir} is not empty`);
  r = await cli(['demo', '--dir', join(dir, 'new')], { KUBESOLO_DEMO_GRUB: 'qemu' });
  assert.is(r.code, 2);
  assert.match(r.stderr, 'KUBESOLO_DEMO_GRUB takes auto, emu or model, not "qemu"');
  assert.equal(readdirSync(dir), ['something']);
});

test.run();
