/**
 * The file operations the log performs, as a port: production passes node:fs, tests pass a copy
 * that fails on the Nth call (fault injection) without touching the log's logic.
 */
import * as fs from 'node:fs';

export interface LogFs {
  openSync: typeof fs.openSync;
  closeSync: typeof fs.closeSync;
  readSync: typeof fs.readSync;
  writeSync: (fd: number, buf: Buffer, offset: number, length: number, position: number) => number;
  fdatasyncSync: typeof fs.fdatasyncSync;
  fsyncSync: typeof fs.fsyncSync;
  ftruncateSync: typeof fs.ftruncateSync;
  fstatSync: (fd: number) => fs.Stats;
  renameSync: typeof fs.renameSync;
  unlinkSync: typeof fs.unlinkSync;
  mkdirSync: typeof fs.mkdirSync;
  readdirSync: (path: string) => string[];
}

export const nodeFs: LogFs = {
  openSync: fs.openSync,
  closeSync: fs.closeSync,
  readSync: fs.readSync,
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  fdatasyncSync: fs.fdatasyncSync,
  fsyncSync: fs.fsyncSync,
  ftruncateSync: fs.ftruncateSync,
  fstatSync: (fd) => fs.fstatSync(fd),
  renameSync: fs.renameSync,
  unlinkSync: fs.unlinkSync,
  mkdirSync: fs.mkdirSync,
  readdirSync: (path) => fs.readdirSync(path),
};
