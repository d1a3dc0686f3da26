/**
 * The node's disk: a GPT image with KSOLOEFI (FAT32: GRUB for UEFI, the shipped grub.cfg and
 * ab-select.cfg, grubenv), KSOLOA and KSOLOB (ext4: vmlinuz, kubesolo-os.gz, version) and
 * KSOLODATA (ext4). Built without root and without mounts: each file system is made as a file
 * (mkfs.ext4 -d, mkfs.fat + mtools) and copied into its partition; read back the same way.
 */
import { closeSync, copyFileSync, mkdirSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GRUB_EFI_MODULES, sh, shBytes } from './host.js';
import { REPO } from './guest.js';

const MiB = 1024 * 1024;
const SECTOR = 512;

export type PartName = 'KSOLOEFI' | 'KSOLOA' | 'KSOLOB' | 'KSOLODATA';
const SIZES: Array<[PartName, number]> = [['KSOLOEFI', 64], ['KSOLOA', 48], ['KSOLOB', 48], ['KSOLODATA', 64]];

export interface Disk { path: string; parts: Record<PartName, { offset: number; bytes: number }> }

/** GRUB's modules for booting our grub.cfg from the ESP; the prefix puts it at /boot/grub. */
const GRUB_MODULES = ['part_gpt', 'fat', 'ext2', 'normal', 'configfile', 'loadenv', 'test', 'echo', 'linux', 'boot',
  'search', 'search_label', 'serial', 'terminal', 'cat', 'sleep', 'halt', 'reboot'];

export interface SlotFiles { vmlinuz: string; initramfs: string; version: string }

function copyRange(from: string, fromOffset: number, to: string, toOffset: number, bytes: number): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'r+');
  const buf = Buffer.allocUnsafe(4 * MiB);
  try {
    for (let done = 0; done < bytes;) {
      const n = readSync(src, buf, 0, Math.min(buf.length, bytes - done), fromOffset + done);
      if (n === 0) break;
      writeSync(dst, buf, 0, n, toOffset + done);
      done += n;
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

function makeEsp(file: string, bytes: number, grubenv: Record<string, string>): void {
  const work = `${file}.tree`;
  mkdirSync(work, { recursive: true });
  sh('grub-mkimage', ['-d', GRUB_EFI_MODULES, '-O', 'x86_64-efi', '-p', '/boot/grub', '-o', join(work, 'BOOTX64.EFI'), ...GRUB_MODULES]);
  sh('grub-editenv', [join(work, 'grubenv'), 'create']);
  sh('grub-editenv', [join(work, 'grubenv'), 'set', ...Object.entries(grubenv).map(([k, v]) => `${k}=${v}`)]);
  rmSync(file, { force: true });
  sh('mkfs.fat', ['-F', '32', '-n', 'KSOLOEFI', '-C', file, String(bytes / 1024)]);
  sh('mmd', ['-i', file, '::/EFI', '::/EFI/BOOT', '::/boot', '::/boot/grub']);
  sh('mcopy', ['-i', file, join(work, 'BOOTX64.EFI'), '::/EFI/BOOT/BOOTX64.EFI']);
  // Exactly as shipped: the lane boots deploy/grub, never a copy edited for the test.
  sh('mcopy', ['-i', file, join(REPO, 'deploy/grub/grub.cfg'), join(REPO, 'deploy/grub/ab-select.cfg'), join(work, 'grubenv'), '::/boot/grub/']);
  rmSync(work, { recursive: true, force: true });
}

function makeExt4(file: string, label: PartName, bytes: number, tree: string | null): void {
  rmSync(file, { force: true });
  sh('mkfs.ext4', ['-q', '-F', '-L', label, ...(tree ? ['-d', tree] : []), file, `${bytes / 1024}k`]);
}

/**
 * A new disk at `dir`/disk.img: slot A holds `slotA`, slot B is empty, grubenv says
 * `grubenv`, KSOLODATA holds the tree `data` (update.conf and the public key).
 */
export function buildDisk(dir: string, slotA: SlotFiles, grubenv: Record<string, string>, data: string): Disk {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'disk.img');
  const total = SIZES.reduce((n, [, mb]) => n + mb, 2) * MiB;
  rmSync(path, { force: true });
  writeFileSync(path, '');
  sh('truncate', ['-s', String(total), path]);
  const script = ['label: gpt', ...SIZES.map(([name, mb], i) => `${i === 0 ? 'start=2048, ' : ''}size=${mb}MiB, type=${i === 0 ? 'uefi' : 'linux'}, name=${name}`)].join('\n');
  sh('sfdisk', ['-q', path], { input: `${script}\n` });
  const table = JSON.parse(sh('sfdisk', ['-J', path])) as { partitiontable: { partitions: Array<{ start: number; size: number; name: string }> } };
  const parts = Object.fromEntries(table.partitiontable.partitions.map((p) => [p.name, { offset: p.start * SECTOR, bytes: p.size * SECTOR }])) as Disk['parts'];

  const tree = join(dir, 'slotA.tree');
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree);
  copyFileSync(slotA.vmlinuz, join(tree, 'vmlinuz'));
  copyFileSync(slotA.initramfs, join(tree, 'kubesolo-os.gz'));
  writeFileSync(join(tree, 'version'), `${slotA.version}\n`);
  const fs: Array<[PartName, (file: string, bytes: number) => void]> = [
    ['KSOLOEFI', (f, b) => makeEsp(f, b, grubenv)],
    ['KSOLOA', (f, b) => makeExt4(f, 'KSOLOA', b, tree)],
    ['KSOLOB', (f, b) => makeExt4(f, 'KSOLOB', b, null)],
    ['KSOLODATA', (f, b) => makeExt4(f, 'KSOLODATA', b, data)],
  ];
  for (const [name, make] of fs) {
    const file = join(dir, `${name}.part`);
    make(file, parts[name].bytes);
    copyRange(file, 0, path, parts[name].offset, parts[name].bytes);
    rmSync(file);
  }
  rmSync(tree, { recursive: true });
  return { path, parts };
}

/** A file of the ESP, read with mtools from the image as it is now. */
export function readEsp(disk: Disk, file: string): Buffer {
  return shBytes('mcopy', ['-n', '-i', `${disk.path}@@${disk.parts.KSOLOEFI.offset}`, `::${file}`, '-']);
}

/** Copies one ext4 partition out of the image, so that debugfs can read it. */
export function extractPart(disk: Disk, name: PartName, to: string): string {
  writeFileSync(to, '');
  sh('truncate', ['-s', String(disk.parts[name].bytes), to]);
  copyRange(disk.path, disk.parts[name].offset, to, 0, disk.parts[name].bytes);
  return to;
}

/** A directory of an ext4 partition copied to the host (debugfs rdump, read-only). */
export function dumpDir(disk: Disk, name: PartName, dir: string, into: string, scratch: string): void {
  const part = extractPart(disk, name, join(scratch, `${name}.part`));
  mkdirSync(into, { recursive: true });
  sh('debugfs', ['-R', `rdump ${dir} ${into}`, part]);
  rmSync(part);
}

/** One file of an ext4 partition, or null when it is not there. */
export function catFile(disk: Disk, name: PartName, file: string, scratch: string): string | null {
  const part = extractPart(disk, name, join(scratch, `${name}.part`));
  try {
    const out = sh('debugfs', ['-R', `cat ${file}`, part]);
    return out.length > 0 ? out : null;
  } finally {
    rmSync(part);
  }
}
