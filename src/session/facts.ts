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

/** What to read from the slots: every slot's version file, and the artifacts' hashes of some. */
export interface SlotsWanted { versions?: boolean; hash?: Slot[] }

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

/** The facts every decision reads (no slot is mounted); `logEmpty` also reads a Go agent's state.json. */
export function gatherFacts(paths: Paths, now: number, o: { logEmpty?: boolean } = {}): NodeFacts {
  return {
    now, bootId: eventBootId(paths.root), booted: readBootedSlot(paths.cmdline), env: readBootEnv(paths.grubenv),
    slots: { A: null, B: null }, newAttemptId: `${now.toString(36)}-${process.pid.toString(36)}`.toUpperCase(),
    upstreamState: o.logEmpty ? upstreamState(paths.state) : null,
  };
}

/**
 * The facts with the slots read as wanted. A slot already read (with hashes, if they are
 * wanted) is not mounted again.
 */
export async function withSlots(facts: NodeFacts, paths: Paths, kind: 'dir' | 'partitions' | undefined, o: SlotsWanted): Promise<NodeFacts> {
  const read = (s: Slot) => o.versions || o.hash?.includes(s);
  const stale = (s: Slot) => read(s) && (facts.slots[s] === null || (o.hash?.includes(s) && facts.slots[s]!.artifacts === null));
  if (!(['A', 'B'] as const).some(stale)) return facts;
  const store = slotStore(paths.root, kind);
  const slots = { ...facts.slots };
  for (const s of ['A', 'B'] as const) if (stale(s)) slots[s] = await slotContent(store, s, o.hash?.includes(s) ?? false);
  return { ...facts, slots };
}
