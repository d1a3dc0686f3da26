/**
 * The file operations the log performs, as a port: production passes node:fs, tests pass a copy
 * that fails on the Nth call (fault injection) without touching the log's logic.
 */
import * as fs from 'node:fs';

export interface LogFs {
  openSync(path: string, flags: 'r' | 'r+' | 'w'): number;
  closeSync(fd: number): void;
  readSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  writeSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  fdatasyncSync(fd: number): void;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  fstatSync(fd: number): { size: number };
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  mkdirSync(path: string, opts: { recursive: true }): void;
  readdirSync(path: string): string[];
}

export const nodeFs: LogFs = {
  openSync: (path, flags) => fs.openSync(path, flags),
  closeSync: (fd) => fs.closeSync(fd),
  readSync: (fd, buf, offset, length, position) => fs.readSync(fd, buf, offset, length, position),
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fstatSync: (fd) => fs.fstatSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  mkdirSync: (path, opts) => { fs.mkdirSync(path, opts); },
  readdirSync: (path) => fs.readdirSync(path),
};

/** Makes a directory's entries durable (a created, renamed or removed file); fsync of the file alone does not. */
export function fsyncDir(fs: LogFs, dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
