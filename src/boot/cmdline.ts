/**
 * The booted slot, from the kernel command line only (never from grubenv, which says what boots
 * *next*): `kubesolo.slot=A|B`, or a KSOLOA/KSOLOB label in it (e.g. root=LABEL=KSOLOB). Pure.
 */
import type { Slot } from '../../events/types.js';

/** The slot the command line names, or null when it names none or both. */
export function bootedSlot(cmdline: string): Slot | null {
  const found = new Set<Slot>();
  for (const word of cmdline.trim().split(/\s+/)) {
    const m = /^kubesolo\.slot=(A|B)$/.exec(word);
    if (m) found.add(m[1] as Slot);
    const label = /(?:^|[=,:])KSOLO(A|B)$/.exec(word);
    if (label) found.add(label[1] as Slot);
  }
  return found.size === 1 ? [...found][0] : null;
}
