/**
 * The two system slots. Under --root they are the directories DIR/slots/A and DIR/slots/B; on a
 * node they are the file systems labelled KSOLOA and KSOLOB (a label found twice is refused),
 * mounted only for the moment they are read or written. A slot is bootable when its `version`
 * file exists and, if the log recorded hashes for it (its last Staged), every artifact matches.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRecord, Slot } from '../../events/types.js';
import { AgentError } from '../errors.js';

export const SLOTS: readonly Slot[] = ['A', 'B'];
export const other = (s: Slot): Slot => (s === 'A' ? 'B' : 'A');

export interface SlotStore {
  /** Where a slot is, in words (a directory, or a label and its device). */
  describe(slot: Slot): string;
  /** Runs `fn` with the slot's files at a directory (mounted for the call when a partition). */
  withDir<T>(slot: Slot, mode: 'ro' | 'rw', fn: (dir: string) => Promise<T>): Promise<T>;
}

export function dirSlots(root: string): SlotStore {
  const dir = (slot: Slot) => join(root, 'slots', slot);
  return { describe: dir, withDir: (slot, _mode, fn) => fn(dir(slot)) };
}

const LABEL: Record<Slot, string> = { A: 'KSOLOA', B: 'KSOLOB' };

/** The one device carrying the slot's label; refuses none and more than one. */
export function deviceOf(slot: Slot): string {
  // -c /dev/null: probe the devices now; blkid's cache remembers labels of detached devices.
  const r = spawnSync('blkid', ['-c', '/dev/null', '-o', 'device', '-t', `LABEL=${LABEL[slot]}`], { encoding: 'utf8' });
  if (r.error) throw new AgentError('FAILED', `cannot look for the ${LABEL[slot]} partition: blkid: ${r.error.message}`);
  const devices = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (devices.length === 0) throw new AgentError('REFUSED', `no partition labelled ${LABEL[slot]} (slot ${slot}) was found`);
  if (devices.length > 1) throw new AgentError('REFUSED', `the label ${LABEL[slot]} is on ${devices.length} devices (${devices.join(', ')}); refusing to guess which is slot ${slot}`);
  return devices[0];
}

export function partitionSlots(): SlotStore {
  return {
    describe: (slot) => `${LABEL[slot]} (${deviceOf(slot)})`,
    async withDir(slot, mode, fn) {
      const device = deviceOf(slot);
      const mnt = mkdtempSync(join(tmpdir(), `kubesolo-slot-${slot}-`));
      const m = spawnSync('mount', ['-o', mode, device, mnt], { encoding: 'utf8' });
      if (m.status !== 0) {
        rmdirSync(mnt);
        throw new AgentError('FAILED', `cannot mount ${device} (${LABEL[slot]}): ${m.stderr.trim() || m.error?.message}`);
      }
      try {
        return await fn(mnt);
      } finally {
        if (mode === 'rw') spawnSync('sync', ['-f', mnt]);
        spawnSync('umount', [mnt]);
        rmdirSync(mnt);
      }
    },
  };
}

export function readVersion(dir: string): string | null {
  try {
    return readFileSync(join(dir, 'version'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export function slotVersion(store: SlotStore, slot: Slot): Promise<string | null> {
  return store.withDir(slot, 'ro', async (dir) => readVersion(dir));
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Whether the slot can be booted; when not, why, in words for the operator. */
export async function bootable(store: SlotStore, slot: Slot, staged: ArtifactRecord[] | null): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    return await store.withDir(slot, 'ro', async (dir) => {
      if (!readVersion(dir)) return { ok: false as const, reason: `slot ${slot} has no version file (${join(store.describe(slot), 'version')}): it holds no complete image` };
      for (const a of staged ?? []) {
        const path = join(dir, a.name);
        let got: string;
        try {
          got = await sha256(path);
        } catch {
          return { ok: false as const, reason: `slot ${slot} is missing ${a.name}` };
        }
        if (got !== a.sha256) return { ok: false as const, reason: `slot ${slot}: ${a.name} does not match the SHA-256 recorded when it was staged (${got.slice(0, 12)}… ≠ ${a.sha256.slice(0, 12)}…)` };
      }
      return { ok: true as const };
    });
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
