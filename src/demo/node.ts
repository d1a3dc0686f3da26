/**
 * The demo's node: a directory laid out the way `--root` expects (README, "Global flags") — the
 * GRUB environment block, slots A and B as directories, the kernel command line and the boot id
 * under proc/, update.conf under etc/. A freshly installed node: the same release in both slots,
 * GRUB booting A, verified.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Slot } from '../../events/types.js';
import { envVars } from '../boot/bootFacts.js';
import { SCRIPT_VERSION } from '../domain/facts.js';
import { emptyGrubenv, setAll } from '../boot/grubenv.js';
import { readGrubenvFile } from '../boot/grubenvFile.js';
import { SLOTS, readVersion } from '../boot/slots.js';
import type { BootVars } from '../../events/types.js';

export const grubenvPath = (root: string) => join(root, 'boot/grub/grubenv');
export const confPath = (root: string) => join(root, 'etc/kubesolo/update.conf');
const slotDir = (root: string, slot: Slot) => join(root, 'slots', slot);

export function makeNode(root: string, installed: string): void {
  mkdirSync(join(root, 'boot/grub'), { recursive: true });
  writeFileSync(grubenvPath(root), setAll(emptyGrubenv(), { active_slot: 'A', boot_counter: 3, boot_success: 1, ab_select_version: SCRIPT_VERSION }));
  for (const slot of SLOTS) {
    mkdirSync(slotDir(root, slot), { recursive: true });
    writeFileSync(join(slotDir(root, slot), 'vmlinuz'), randomBytes(4096));
    writeFileSync(join(slotDir(root, slot), 'kubesolo-os.gz'), randomBytes(8192));
    writeFileSync(join(slotDir(root, slot), 'version'), `${installed}\n`);
  }
  mkdirSync(join(root, 'proc/sys/kernel/random'), { recursive: true });
  mkdirSync(join(root, 'etc/kubesolo'), { recursive: true });
  bootInto(root, 'A');
}

/** What the kernel would show after booting `slot`: its command line (as grub.cfg writes it) and a fresh boot id. */
export function bootInto(root: string, slot: Slot): void {
  writeFileSync(join(root, 'proc/cmdline'), `kubesolo.slot=${slot} kubesolo.data=LABEL=KSOLODATA quiet\n`);
  writeFileSync(join(root, 'proc/sys/kernel/random/boot_id'), `${randomUUID()}\n`);
}

export function slotVersionOf(root: string, slot: Slot): string | null {
  return readVersion(slotDir(root, slot));
}

export function grubVars(root: string): BootVars {
  return envVars(readGrubenvFile(grubenvPath(root)), grubenvPath(root));
}

/** Writes update.conf (key=value lines) and returns its text. */
export function writeConf(root: string, settings: Record<string, string>): string {
  const text = Object.entries(settings).map(([k, v]) => `${k}=${v}\n`).join('');
  writeFileSync(confPath(root), text);
  return text;
}
