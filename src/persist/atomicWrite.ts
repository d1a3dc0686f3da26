/**
 * Replaces a file so that a crash leaves the old content or the new, never a mix: write a tmp
 * file, fsync it, rename it over the target, fsync the directory. A failure leaves no tmp file
 * behind (a target that is a directory fails at the rename). `createDir: false` leaves a
 * missing directory an error instead of creating it.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crashPoint } from '../../events/crashPoint.js';

export function atomicWrite(path: string, data: Buffer | string, opts: { createDir?: boolean } = {}): void {
  const dir = dirname(path);
  if (opts.createDir !== false) mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done, done);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  crashPoint(`persist.${basename(path)}.after-tmp`);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  crashPoint(`persist.${basename(path)}.after-rename`);
  const dfd = openSync(dir, 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
  removeOrphans(dir, basename(path));
}

/** Tmp files of writers killed before their rename: named by pid, removed once that pid is gone. */
function removeOrphans(dir: string, name: string): void {
  const prefix = `.${name}.tmp-`;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length));
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(dir, f), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
