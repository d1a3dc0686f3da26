/**
 * The partition backend end to end: two loop devices with ext4 file systems labelled KSOLOA and
 * KSOLOB, found by label, mounted only while read or written. Needs root and loop devices (this
 * machine and CI have both); elsewhere it says why it skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { partitionSlots } from '../../src/boot/slots.js';
import { cliSync } from '../helpers/cli.js';
import { env, makeSandbox, reboot, stage, writeRelease } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/loop-control')) return 'no loop devices';
  for (const t of ['losetup', 'mkfs.ext4', 'blkid', 'mount']) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `no ${t}`;
  const taken = spawnSync('blkid', ['-c', '/dev/null', '-o', 'device', '-t', 'LABEL=KSOLOA'], { encoding: 'utf8' }).stdout.trim();
  if (taken) return `this machine already has a KSOLOA file system (${taken})`;
  return null;
}

const loops: string[] = [];
function fs(label: string): string {
  const img = join(tmpDir('ksu-part-'), `${label}.img`);
  execFileSync('truncate', ['-s', '32M', img]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-L', label, img]);
  const dev = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
  loops.push(dev);
  return dev;
}

test('slots on labelled partitions: stage, activate, reboot, healthcheck, refusals', async () => {
  const why = unavailable();
  if (why) {
    if (process.env.CI && why !== 'not root') assert.unreachable(`CI should run the partition test: ${why}`);
    return console.log(`    (skipped: ${why})`);
  }
  try {
    fs('KSOLOA');
    fs('KSOLOB');
    const store = partitionSlots();
    const sb = makeSandbox(null);
    await writeRelease(store, 'A', 'v1.0.0');
    const ksu = (...args: string[]) => cliSync(['--root', sb.root, '--slots', 'partitions', ...args]);
    await stage(sb, 'v1.1.0', 'B', 'v1.0.0', undefined, store);
    let r = ksu('activate');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'slot B (v1.1.0) boots next');
    assert.is(reboot(sb, null), 'B');
    r = ksu('healthcheck', '--checks', 'disk-writable', '--timeout', '2');
    assert.is(r.code, 0, r.stdout + r.stderr);
    const s = JSON.parse(ksu('status', '--json').stdout);
    assert.equal([s.state.phase, s.slots.A.version, s.slots.B.version], ['success', 'v1.0.0', 'v1.1.0']);
    assert.not.ok(readFileSync('/proc/mounts', 'utf8').includes('kubesolo-slot-'), 'nothing left mounted');

    // A third file system labelled KSOLOB: which one is slot B? Refuse to guess.
    const dup = fs('KSOLOB');
    r = ksu('rollback', '--to', 'B');
    assert.is(r.code, 0, 'GRUB already boots B: nothing to do, nothing to look up');
    r = ksu('rollback', '--to', 'A');
    assert.is(r.code, 0, r.stderr);
    assert.equal(env(sb).active_slot, 'A');
    r = ksu('rollback', '--to', 'B');
    assert.is(r.code, 3);
    assert.match(r.stderr, `the label KSOLOB is on 2 devices`);
    assert.match(r.stderr, dup);
    assert.equal(env(sb).active_slot, 'A', 'grubenv untouched');
  } finally {
    for (const d of loops.splice(0)) spawnSync('losetup', ['-d', d]);
  }
});

test.run();
