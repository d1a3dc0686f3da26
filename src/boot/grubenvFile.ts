/**
 * Reading and writing the GRUB environment block on disk. Written in place — same file, same
 * blocks — never by rename: GRUB's save_env writes through the file's block list, and a rename
 * is not atomic on the FAT EFI partition anyway (DESIGN.md §6). Every write is fsynced and read
 * back. A missing, short, oversized or garbage block is an error naming the file, never reset.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { GRUBENV_SIZE, GrubenvError, parseGrubenv } from './grubenv.js';

/** The block file does not exist at all. */
class GrubenvMissing extends GrubenvError {
  readonly missing = true;
}

export function readGrubenvFile(path: string): Buffer {
  let b: Buffer;
  let size: number;
  try {
    // At most one block and a byte: a huge file (or a device that never ends) is refused, not loaded.
    const fd = openSync(path, 'r');
    try {
      size = fstatSync(fd).size;
      b = Buffer.alloc(GRUBENV_SIZE + 1);
      let got = 0;
      for (let n = -1; n !== 0 && got < b.length; got += n) n = readSync(fd, b, got, b.length - got, null);
      b = b.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GrubenvMissing(`${path} does not exist`);
    throw new GrubenvError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (b.length > GRUBENV_SIZE) {
    throw new GrubenvError(`${path} is ${size > GRUBENV_SIZE ? size : `more than ${GRUBENV_SIZE}`} bytes; a GRUB environment block is exactly ${GRUBENV_SIZE}`);
  }
  parseGrubenv(b, path); // validates, with the file named in every error
  return b;
}

export function writeGrubenvFile(path: string, block: Buffer): void {
  parseGrubenv(block, path);
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (err) {
    throw new GrubenvError(`cannot open ${path} for writing: ${(err as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size !== GRUBENV_SIZE) throw new GrubenvError(`${path} is ${size} bytes; refusing to write a GRUB environment block over it`);
    // Only ever replace a block that is one: whatever else is there stays for a person to look at.
    const current = Buffer.alloc(GRUBENV_SIZE);
    readSync(fd, current, 0, GRUBENV_SIZE, 0);
    parseGrubenv(current, path);
    for (let done = 0; done < GRUBENV_SIZE; ) done += writeSync(fd, block, done, GRUBENV_SIZE - done, done);
    fsyncSync(fd);
    const back = Buffer.alloc(GRUBENV_SIZE);
    readSync(fd, back, 0, GRUBENV_SIZE, 0);
    if (!back.equals(block)) throw new GrubenvError(`${path}: the GRUB environment block read back differs from what was written`);
  } finally {
    closeSync(fd);
  }
}
