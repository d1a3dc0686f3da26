/**
 * The two system slots. Under --root they are the directories DIR/slots/A and DIR/slots/B; on a
 * node they are the partitions labelled KSOLOA and KSOLOB (not supported yet: commands that need
 * them say so). A slot is bootable when its `version` file exists and, if the log recorded
 * hashes for it (its last Staged), every artifact matches them.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactRecord, Slot } from '../../events/types.js';

export const SLOTS: readonly Slot[] = ['A', 'B'];
export const other = (s: Slot): Slot => (s === 'A' ? 'B' : 'A');

export interface SlotStore {
  /** Where the slot's files are. */
  dir(slot: Slot): string;
  version(slot: Slot): string | null;
}

export function dirSlots(root: string): SlotStore {
  const dir = (slot: Slot) => join(root, 'slots', slot);
  return {
    dir,
    version(slot) {
      try {
        return readFileSync(join(dir(slot), 'version'), 'utf8').trim() || null;
      } catch {
        return null;
      }
    },
  };
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Whether the slot can be booted; when not, why, in words for the operator. */
export async function bootable(store: SlotStore, slot: Slot, staged: ArtifactRecord[] | null): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!store.version(slot)) return { ok: false, reason: `slot ${slot} has no version file (${join(store.dir(slot), 'version')}): it holds no complete image` };
  for (const a of staged ?? []) {
    const path = join(store.dir(slot), a.name);
    let got: string;
    try {
      got = await sha256(path);
    } catch {
      return { ok: false, reason: `slot ${slot} is missing ${a.name} (${path})` };
    }
    if (got !== a.sha256) return { ok: false, reason: `slot ${slot}: ${a.name} does not match the SHA-256 recorded when it was staged (${got.slice(0, 12)}… ≠ ${a.sha256.slice(0, 12)}…)` };
  }
  return { ok: true };
}
