/**
 * The whole update lifecycle on a real machine: QEMU (TCG) boots OVMF, GRUB from the ESP runs
 * the shipped grub.cfg and ab-select.cfg, and the kernel and initramfs of the slot GRUB picked
 * run the agent from its own disk. Every boot is a real power-on; the node's disk is read from
 * the host at the end. ../shared/VM.md has the facts this rests on; README "A real machine" the output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { missingForVm } from './host.js';
import type { Boot } from './machine.js';
import { readBack } from './readBack.js';
import { VmNode } from './vmNode.js';

const missing = missingForVm();
const ci = process.env.CI === 'true';
const log = (line: string) => process.stderr.write(`${line}\n`);

if (missing.length > 0 && !ci) {
  log(`vm lane skipped: this machine lacks ${missing.join(', ')} (apt-get install them, or run under CI=true where .ci/run does)`);
  test.skip('the update lifecycle in a QEMU VM booted by real GRUB', () => {});
} else {
  const node = new VmNode(mkdtempSync(join(tmpdir(), 'ksu-vm-')), log);

  test('the machine can be built here', async () => {
    assert.equal(missing, [], `the VM lane needs ${missing.join(', ')}`);
    node.publishAll([
      { version: 'v1.0.0', fault: 'none' }, { version: 'v1.1.0', fault: 'none' },
      { version: 'v1.2.0', fault: 'panic' }, { version: 'v1.3.0', fault: 'hang' },
    ]);
    await node.install('v1.0.0');
  });

  /** Where the server stops sending vmlinuz (13.5 MiB) on the boot whose power is cut. */
  const STALL_AT = 6 * 1024 * 1024;
  const expectBoot = (b: Boot, entry: string, end: Boot['end'], exits: Record<string, number> = {}) => {
    const tail = () => `\n--- console of boot ${node.boots.length}, last lines ---\n${b.lines.slice(-25).join('\n')}`;
    assert.is(b.entry, entry, `GRUB booted ${b.entry}${tail()}`);
    assert.is(b.end, end, `the boot ended by ${b.end}${tail()}`);
    const got = Object.fromEntries(b.exits.map((e) => [e.command, e.code]));
    for (const [cmd, code] of Object.entries(exits)) assert.is(got[cmd], code, `kubesolo-update ${cmd} exited ${got[cmd]}${tail()}`);
  };
  /** grubenv after the last boot, as "active_slot boot_counter boot_success". */
  const counter = () => { const e = node.envAfter.at(-1)!; return `${e.active_slot} ${e.boot_counter} ${e.boot_success}`; };
  const SLOT_A = 'KubeSolo OS (slot A)', SLOT_B = 'KubeSolo OS (slot B)';
  const UPDATE = 'ksu check\nksu apply\nksu activate\nnext=reboot';

  test('boot 1, v1.0.0 on A: the power is cut in the middle of apply', async () => {
    node.offer('v1.1.0');
    // The server stops sending part-way; once a DownloadProgress is durable the power goes.
    node.serveOpts.stall = { path: '/vmlinuz', after: STALL_AT };
    const b = await node.boot('ksu check\n(kubesolo-update events --follow --type DownloadProgress &)\nksu apply',
      (line) => line.includes('"type":"DownloadProgress"'));
    node.serveOpts.stall = null;
    expectBoot(b, SLOT_A, 'power-cut', { healthcheck: 0, check: 0 });
  });

  test('boot 2, A: apply resumes from the durable part, activate points GRUB at B', async () => {
    const b = await node.boot('ksu apply\nksu activate\nnext=reboot');
    expectBoot(b, SLOT_A, 'reboot', { healthcheck: 0, apply: 0, activate: 0 });
    const resumed = node.server.requests.filter((r) => r.path === '/vmlinuz' && r.range !== null);
    assert.ok(resumed.length > 0, `the guest asked for /vmlinuz with a Range: ${JSON.stringify(node.server.requests)}`);
  });

  test('boot 3, v1.1.0 on trial on B: the healthcheck marks it good; v1.2.0 is applied and activated', async () => {
    node.offer('v1.2.0');
    const b = await node.boot(UPDATE);
    assert.ok(b.lines.includes('healthy: slot B marked good; the update to v1.1.0 succeeded'), `the trial was not marked good:\n${b.lines.slice(-25).join('\n')}`);
    expectBoot(b, SLOT_B, 'reboot', { healthcheck: 0, check: 0, apply: 0, activate: 0 });
  });

  test('boots 4-6, v1.2.0 on A: its init panics before any agent runs, three times', async () => {
    for (let i = 0; i < 3; i++) {
      const b = await node.boot('');
      expectBoot(b, SLOT_A, 'panic');
      // The kernel's own words prove it: init exited 1 (guest/init.sh's `exit 1`). The init's last
      // echo can be lost, still in the serial buffer when the panic stops the machine.
      assert.ok(b.lines.some((l) => l.includes('Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100')),
        `the v1.2.0 init did not die with exit 1:\n${b.lines.slice(-25).join('\n')}`);
      assert.is(b.exits.length, 0, 'no agent command ran');
      assert.equal(counter(), `A ${2 - i} 0`, 'real GRUB counted the try down');
    }
  });

  test('boot 7: real GRUB falls back to B; the agent records the rollback; v1.3.0 goes on A', async () => {
    node.offer('v1.3.0');
    const b = await node.boot(UPDATE);
    expectBoot(b, SLOT_B, 'reboot', { healthcheck: 0, check: 0, apply: 0, activate: 0 });
    assert.ok(b.lines.some((l) => /GRUB fell back from slot A to slot B \(boot counter exhausted\); 3 boots of slot A never reached the agent/.test(l)),
      'the boot-time healthcheck says on the console what GRUB did');
  });

  test('boots 8-10, v1.3.0 on A: its init hangs; the watchdog (the harness) cuts the power, three times', async () => {
    for (let i = 0; i < 3; i++) {
      const b = await node.boot('');
      expectBoot(b, SLOT_A, 'watchdog');
      assert.ok(b.lines.some((l) => l.includes('kubesolo-os v1.3.0: waiting for')), 'the v1.3.0 init ran and hung');
      assert.equal(counter(), `A ${2 - i} 0`, 'real GRUB counted the try down');
    }
  });

  test('boot 11: GRUB falls back to B again; the agent records it and powers off', async () => {
    const b = await node.boot('ksu status');
    expectBoot(b, SLOT_B, 'poweroff', { healthcheck: 0, status: 0 });
    assert.equal(counter(), 'B 3 1', 'GRUB fell back with boot_success=1 and a fresh counter');
  });

  test('from the host: history, verify, state.json, metrics, grubenv and the slots are what happened', () => readBack(node));

  test.after(async () => {
    await node.close();
    // About 300 MB per run; KUBESOLO_VM_KEEP=1 keeps the disk and releases to look at.
    if (process.env.KUBESOLO_VM_KEEP === '1') log(`vm: kept ${node.work}`);
    else rmSync(node.work, { recursive: true, force: true });
  });
}

test.run();
