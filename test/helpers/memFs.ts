/**
 * An in-memory LogFs for sweeps that would be slow on a disk (every byte offset, every bit), and
 * for fault injection: `failOn('fdatasyncSync', n)` makes the nth call throw EIO.
 *
 * It models what a power cut keeps, as Linux behaves (Rebello et al., "Can Applications Recover
 * from fsync Failures?", ATC 2020): writes land in a cache that readers see; a sync makes the
 * ranges written since the last sync durable; a *failed* sync forgets those ranges without making
 * them durable (the pages are marked clean, their new content stays readable). `crash()` drops
 * the cache. Names (create, rename, unlink) are durable at once.
 */
import { dirname } from 'node:path';
import type { LogFs } from '../../events/logFs.js';

type Op = keyof LogFs;

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

export class MemFs implements LogFs {
  files = new Map<string, Buffer>();
  /** What survives a crash: content as of each file's last successful sync. */
  durable = new Map<string, Buffer>();
  private dirty = new Map<string, Array<[number, number]>>();
  dirs = new Set<string>(['/']);
  private fds = new Map<number, { path: string; writable: boolean }>();
  private nextFd = 100;
  private failures = new Map<Op, number>();
  calls = new Map<Op, number>();

  failOn(op: Op, nth: number): void { this.failures.set(op, nth); }

  private tick(op: Op): void {
    const n = (this.calls.get(op) ?? 0) + 1;
    this.calls.set(op, n);
    if (this.failures.get(op) === n) throw errno('EIO', `injected failure of ${op} call ${n}`);
  }

  private file(fd: number): { path: string; writable: boolean } {
    const f = this.fds.get(fd);
    if (!f) throw errno('EBADF', `fd ${fd}`);
    return f;
  }

  openSync = (path: string, flags: 'r' | 'r+' | 'w'): number => {
    this.tick('openSync');
    if (this.dirs.has(path)) { const fd = this.nextFd++; this.fds.set(fd, { path, writable: false }); return fd; }
    if (!this.dirs.has(dirname(path))) throw errno('ENOENT', path);
    if (flags === 'w') {
      this.files.set(path, Buffer.alloc(0));
      this.durable.set(path, Buffer.alloc(0));
      this.dirty.delete(path);
    }
    else if (!this.files.has(path)) throw errno('ENOENT', path);
    const fd = this.nextFd++;
    this.fds.set(fd, { path, writable: flags !== 'r' });
    return fd;
  };

  closeSync = (fd: number): void => { this.tick('closeSync'); this.file(fd); this.fds.delete(fd); };

  readSync = (fd: number, buf: Buffer, offset: number, length: number, position: number): number => {
    this.tick('readSync');
    const data = this.files.get(this.file(fd).path) ?? Buffer.alloc(0);
    const n = Math.max(0, Math.min(length, data.length - position));
    data.copy(buf, offset, position, position + n);
    return n;
  };

  writeSync = (fd: number, buf: Buffer, offset: number, length: number, position: number): number => {
    this.tick('writeSync');
    const f = this.file(fd);
    if (!f.writable) throw errno('EBADF', 'not open for writing');
    let data = this.files.get(f.path)!;
    if (data.length < position + length) data = Buffer.concat([data, Buffer.alloc(position + length - data.length)]);
    buf.copy(data, position, offset, offset + length);
    this.files.set(f.path, data);
    this.dirty.set(f.path, [...(this.dirty.get(f.path) ?? []), [position, position + length]]);
    return length;
  };

  private syncFile(op: 'fdatasyncSync' | 'fsyncSync', fd: number): void {
    const f = this.file(fd);
    const ranges = this.dirty.get(f.path) ?? [];
    this.dirty.delete(f.path);
    this.tick(op); // a failure throws here: the ranges are forgotten, not made durable
    const cache = this.files.get(f.path);
    if (!cache) return;
    const old = this.durable.get(f.path) ?? Buffer.alloc(0);
    const next = Buffer.alloc(cache.length);
    old.copy(next, 0, 0, Math.min(old.length, cache.length));
    for (const [a, b] of ranges) cache.copy(next, a, a, Math.min(b, cache.length));
    this.durable.set(f.path, next);
  }

  fdatasyncSync = (fd: number): void => { if (this.dirs.has(this.file(fd).path)) { this.tick('fdatasyncSync'); return; } this.syncFile('fdatasyncSync', fd); };
  fsyncSync = (fd: number): void => { if (this.dirs.has(this.file(fd).path)) { this.tick('fsyncSync'); return; } this.syncFile('fsyncSync', fd); };

  /** A power cut: every file goes back to what its last successful sync made durable. */
  crash(): void {
    this.fds.clear();
    this.dirty.clear();
    for (const path of this.files.keys()) this.files.set(path, Buffer.from(this.durable.get(path) ?? Buffer.alloc(0)));
  }

  ftruncateSync = (fd: number, len: number): void => {
    this.tick('ftruncateSync');
    const f = this.file(fd);
    const data = this.files.get(f.path)!;
    const next = Buffer.alloc(len);
    data.copy(next, 0, 0, Math.min(len, data.length));
    this.files.set(f.path, next);
    this.dirty.set(f.path, [...(this.dirty.get(f.path) ?? []), [Math.min(len, data.length), len]]);
  };

  fstatSync = (fd: number): { size: number } => {
    this.tick('fstatSync');
    const f = this.file(fd);
    return { size: this.files.get(f.path)?.length ?? 0 };
  };

  renameSync = (from: string, to: string): void => {
    this.tick('renameSync');
    const data = this.files.get(from);
    if (!data) throw errno('ENOENT', from);
    this.files.delete(from);
    this.files.set(to, data);
    this.durable.set(to, this.durable.get(from) ?? Buffer.alloc(0));
    this.durable.delete(from);
    if (this.dirty.has(from)) { this.dirty.set(to, this.dirty.get(from)!); this.dirty.delete(from); }
  };

  unlinkSync = (path: string): void => {
    this.tick('unlinkSync');
    if (!this.files.delete(path)) throw errno('ENOENT', path);
    this.durable.delete(path);
    this.dirty.delete(path);
  };

  mkdirSync = (path: string): void => {
    this.tick('mkdirSync');
    for (let p = path; p !== '/' && !this.dirs.has(p); p = dirname(p)) this.dirs.add(p);
  };

  readdirSync = (path: string): string[] => {
    this.tick('readdirSync');
    if (!this.dirs.has(path)) throw errno('ENOENT', path);
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) if (p !== path && dirname(p) === path) names.add(p.slice(path.length + 1));
    return [...names];
  };

  /** A deep copy, for running many variants of one fixture. */
  clone(): MemFs {
    const c = new MemFs();
    for (const [p, b] of this.files) c.files.set(p, Buffer.from(b));
    for (const [p, b] of this.durable) c.durable.set(p, Buffer.from(b));
    for (const [p, r] of this.dirty) c.dirty.set(p, [...r]);
    c.dirs = new Set(this.dirs);
    return c;
  }
}
