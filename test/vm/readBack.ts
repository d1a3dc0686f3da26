/**
 * After the last boot, the host reads the node's disk and checks that the record is what
 * happened: history (attempts, outcomes, boots with the ids the guest printed), the resumed
 * download, verify, state.json against a rebuild, the metrics, grubenv on the ESP, the slots.
 */
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { parseGrubenv } from '../../src/boot/grubenv.js';
import { cliSync } from '../helpers/cli.js';
import { catFile, dumpDir, readEsp, type Disk } from './disk.js';
import type { Boot } from './machine.js';

type Attempt = {
  to_version: string; outcome: string; error: string | null; rollback: { by: string } | null;
  boots: Array<{ boot_id: string | null; slot: string; inferred?: boolean; boot_counter: number }>;
};

export function readBack(node: { work: string; disk: Disk; boots: Boot[] }): void {
  const scratch = join(node.work, 'read');
  mkdirSync(scratch, { recursive: true });
  const data = join(scratch, 'data');
  dumpDir(node.disk, 'KSOLODATA', '/var/lib/kubesolo/update', scratch, scratch);
  renameSync(join(scratch, 'update'), data);
  const ksu = (...args: string[]) => cliSync(['--data-dir', data, ...args]);

  const h = ksu('history', '--json');
  assert.is(h.code, 0, h.stderr);
  const attempts = (JSON.parse(h.stdout) as { attempts: Attempt[] }).attempts.reverse();
  const summary = attempts.map((a) => `${a.to_version} ${a.outcome}${a.rollback ? ` by ${a.rollback.by}` : ''}`);
  assert.equal(summary, ['v1.1.0 failed', 'v1.1.0 success', 'v1.2.0 rolled_back by bootloader', 'v1.3.0 rolled_back by bootloader'], h.stdout);
  assert.match(attempts[0].error ?? '', /stopped while downloading/, 'the power cut is recorded as the download interrupted');
  // The trial boot of v1.1.0 is the one boot 3 saw; each fallback is the boot after three tries.
  const observed = (a: Attempt) => a.boots.filter((b) => !b.inferred).map((b) => `${b.slot} ${b.boot_id}`);
  const inferred = (a: Attempt) => a.boots.filter((b) => b.inferred).map((b) => `${b.slot} ${b.boot_counter}`);
  const id = (n: number) => node.boots[n - 1].bootId;
  assert.equal(observed(attempts[1]), [`B ${id(3)}`]);
  assert.equal(observed(attempts[2]), [`B ${id(7)}`]);
  assert.equal(inferred(attempts[2]), ['A 2', 'A 1', 'A 0'], 'the three panicking boots, inferred from the counter');
  assert.equal(observed(attempts[3]), [`B ${id(11)}`]);
  assert.equal(inferred(attempts[3]), ['A 2', 'A 1', 'A 0'], 'the three hung boots');

  const started = JSON.parse(`[${ksu('events', '--type', 'DownloadStarted,DownloadProgress').stdout.trim().split('\n').join(',')}]`) as Array<{ type: string; attempt: string; data: { artifact: string; bytes?: number; resumeFrom?: number } }>;
  const [cut, resumed] = [...new Set(started.map((e) => e.attempt))];
  const durable = Math.max(...started.filter((e) => e.attempt === cut && e.type === 'DownloadProgress').map((e) => e.data.bytes ?? 0));
  const again = started.find((e) => e.attempt === resumed && e.type === 'DownloadStarted' && e.data.artifact === 'vmlinuz');
  assert.ok(durable > 0 && again?.data.resumeFrom === durable, `the next boot resumed vmlinuz at the last durable byte ${durable}: ${JSON.stringify(again)}`);

  const v = ksu('verify');
  assert.is(v.code, 0, `verify: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, /clean/);

  const kept = JSON.parse(readFileSync(join(data, 'state.json'), 'utf8')) as Record<string, unknown>;
  const r = ksu('rebuild');
  assert.is(r.code, 0, r.stderr);
  const rebuilt = JSON.parse(readFileSync(join(data, 'state.json'), 'utf8')) as Record<string, unknown>;
  // updated_at is when state.json was written: the one field a rebuild changes.
  assert.equal({ ...rebuilt, updated_at: null }, { ...kept, updated_at: null });
  assert.is(kept.phase, 'rolled_back');
  assert.is(kept.to_version, 'v1.3.0');

  const m = ksu('metrics').stdout;
  assert.match(m, /^kubesolo_update_phase\{phase="rolled_back"\} 1$/m);
  assert.match(m, /^kubesolo_update_rollbacks_total\{cause="bootloader"\} 2$/m);
  assert.match(m, /^kubesolo_update_attempt_outcomes_total\{outcome="success"\} 1$/m);

  // What GRUB left on the ESP after its second fallback; the agent wrote nothing since.
  const env = new Map(parseGrubenv(readEsp(node.disk, '/boot/grub/grubenv'), 'grubenv'));
  assert.equal(Object.fromEntries(env), { active_slot: 'B', boot_counter: '3', boot_success: '1', ab_select_version: '1' });
  assert.is(catFile(node.disk, 'KSOLOA', '/version', scratch)?.trim(), 'v1.3.0');
  assert.is(catFile(node.disk, 'KSOLOB', '/version', scratch)?.trim(), 'v1.1.0');
}
