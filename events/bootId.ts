import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KERNEL_BOOT_ID = '/proc/sys/kernel/random/boot_id';

/** The boot id at `<root>/proc/sys/kernel/random/boot_id`, or null when it cannot be read. */
export function readBootId(root = '/'): string | null {
  try {
    const id = readFileSync(join(root, KERNEL_BOOT_ID), 'utf8').trim();
    return id.length > 0 ? id : null;
  } catch {
    return null;
  }
}
