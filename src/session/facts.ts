/**
 * Gathers the facts the deciders read (domain/facts.ts): boot id, booted slot, the boot
 * environment, and — only when asked — what the slots hold. Slots are mounted only for that.
 */
import { readFileSync } from 'node:fs';
import { readBootId } from '../../events/bootId.js';
import type { Slot } from '../../events/types.js';
import { parseUpstreamState } from '../../projections/stateFile.js';
import { readBootEnv } from '../boot/bootEnv.js';
import { readBootedSlot } from '../boot/bootFacts.js';
import { slotContent, slotStore } from '../boot/slots.js';
import type { NodeFacts } from '../domain/facts.js';
import type { Paths } from '../paths.js';

export interface FactsOptions { versions?: boolean; hash?: Slot[]; logEmpty?: boolean }

/** The boot id stamped on events: the sandbox's under --root when it has one, else the kernel's. */
export function eventBootId(root: string): string {
  return readBootId(root) ?? readBootId('/') ?? 'unknown';
}

/** The Go agent's state.json, when that is what sits at the state path (ours has `seq`). */
function upstreamState(path: string): Record<string, unknown> | null {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return null; }
  const u = parseUpstreamState(text);
  return u && !('seq' in u) ? u : null;
}

export async function gatherFacts(paths: Paths, slots: 'dir' | 'partitions' | undefined, now: number, o: FactsOptions = {}): Promise<NodeFacts> {
  const facts: NodeFacts = {
    now, bootId: eventBootId(paths.root), booted: readBootedSlot(paths.cmdline), env: readBootEnv(paths.grubenv),
    slots: { A: null, B: null }, newAttemptId: `${now.toString(36)}-${process.pid.toString(36)}`.toUpperCase(),
    upstreamState: o.logEmpty ? upstreamState(paths.state) : null,
  };
  if (o.versions || o.hash?.length) {
    const store = slotStore(paths.root, slots);
    for (const s of ['A', 'B'] as const) facts.slots[s] = await slotContent(store, s, o.hash?.includes(s) ?? false);
  }
  return facts;
}
