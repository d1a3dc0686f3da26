/**
 * The two system slots. Under --root they are the directories DIR/slots/A and DIR/slots/B; on a
 * node they are the file systems labelled KSOLOA and KSOLOB (a label found twice is refused),
 * mounted only for the moment they are read or written. Whether what a slot holds is bootable
 * is the deciders' question (domain/facts.ts `holds`); here it is only read.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRecord, Slot } from '../../events/types.js';
import type { SlotContent } from '../domain/facts.js';
import { AgentError } from '../errors.js';

export const SLOTS: readonly Slot[] = ['A', 'B'];
export const other = (s: Slot): Slot => (s === 'A' ? 'B' : 'A');

export interface SlotStore {
  /** Where a slot is, in words (a directory, or a label and its device). */
  describe(slot: Slot): string;
  /** Runs `fn` with the slot's files at a directory (mounted for the call when a partition). */
  withDir<T>(slot: Slot, mode: 'ro' | 'rw', fn: (dir: string) => Promise<T>): Promise<T>;
}

/** The slot store: directories under --root, partitions by label on a node; `kind` chooses. */
export function slotStore(root: string, kind?: 'dir' | 'partitions'): SlotStore {
  return (kind ?? (root !== '/' ? 'dir' : 'partitions')) === 'dir' ? dirSlots(root) : partitionSlots();
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

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const ARTIFACTS = ['vmlinuz', 'kubesolo-os.gz'] as const;

/**
 * What a slot holds: its version file, and with `hash` each artifact's SHA-256 and size (the
 * deciders compare them with what was staged or verified). A slot that cannot be read holds
 * nothing usable.
 */
export async function slotContent(store: SlotStore, slot: Slot, hash: boolean): Promise<SlotContent> {
  try {
    return await store.withDir(slot, 'ro', async (dir) => {
      const version = readVersion(dir);
      if (!hash) return { version, artifacts: null };
      const artifacts: ArtifactRecord[] = [];
      for (const name of ARTIFACTS) {
        const path = join(dir, name);
        if (existsSync(path)) artifacts.push({ name, sha256: await sha256(path), bytes: statSync(path).size });
      }
      return { version, artifacts };
    });
  } catch (err) {
    return { version: null, artifacts: hash ? [] : null, problem: (err as Error).message };
  }
}
