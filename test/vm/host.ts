/**
 * The host side of the VM lane: the programs it needs (Debian packages, installed by .ci/run)
 * and a way to run them that fails with what they said.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
export const GRUB_EFI_MODULES = '/usr/lib/grub/x86_64-efi';
export const BUSYBOX = '/bin/busybox';

const PROGRAMS: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86', 'grub-mkimage': 'grub-common', 'grub-editenv': 'grub-common',
  sfdisk: 'fdisk', 'mkfs.ext4': 'e2fsprogs', debugfs: 'e2fsprogs', 'mkfs.fat': 'dosfstools', mcopy: 'mtools',
  mmd: 'mtools', modprobe: 'kmod', depmod: 'kmod', 'dpkg-deb': 'dpkg', blkid: 'util-linux',
};

const onPath = (p: string) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0;

/** What is missing to boot the VM here, as "program (Debian package)"; empty when all is there. */
export function missingForVm(): string[] {
  const missing = Object.entries(PROGRAMS).filter(([p]) => !onPath(p)).map(([p, pkg]) => `${p} (${pkg})`);
  if (!existsSync(OVMF_CODE)) missing.push(`${OVMF_CODE} (ovmf)`);
  if (!existsSync(GRUB_EFI_MODULES)) missing.push(`${GRUB_EFI_MODULES} (grub-efi-amd64-bin)`);
  // The initramfs needs a static busybox: a dynamic one would not run without its libraries.
  if (!existsSync(BUSYBOX) || spawnSync('ldd', [BUSYBOX]).status === 0) missing.push(`a static ${BUSYBOX} (busybox-static)`);
  return missing;
}

export interface ShOptions { cwd?: string; input?: string | Buffer }

/** Runs a program to completion and answers its stdout; throws with its stderr when it fails. */
export const sh = (cmd: string, args: string[], opts: ShOptions = {}): string => shBytes(cmd, args, opts).toString();

export function shBytes(cmd: string, args: string[], opts: ShOptions = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}
