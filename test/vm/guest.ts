/**
 * What the VM runs, built from the host's own parts: a release of the stand-in OS (Debian's
 * kernel and a busybox initramfs with guest/init.sh) and the agent's disk (this checkout's
 * build with the host's Node and blkid, each with the libraries ldd lists).
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BUSYBOX, sh, shBytes } from './host.js';
import { cacheDir, modulesFor, type Kernel } from './kernel.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const INIT = join(REPO, 'test/vm/guest/init.sh');

/** Modules the init loads: the virtio disk and network, and FAT for the ESP (ext4 is built in). */
const MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net', 'vfat', 'nls_cp437', 'nls_ascii'];

export type Fault = 'none' | 'panic' | 'hang';

/** Builds kubesolo-os.gz for one release into `out` (the gzip of a newc cpio archive). */
export function buildInitramfs(k: Kernel, version: string, fault: Fault, out: string): void {
  const tree = `${out}.tree`;
  rmSync(tree, { recursive: true, force: true });
  for (const d of ['bin', 'lib/modules', 'dev', 'proc', 'sys', 'etc/kubesolo-os']) mkdirSync(join(tree, d), { recursive: true });
  copyFileSync(BUSYBOX, join(tree, 'bin/busybox'));
  const kos = modulesFor(k, MODULES);
  for (const ko of kos) copyFileSync(ko, join(tree, 'lib/modules', basename(ko)));
  writeFileSync(join(tree, 'etc/kubesolo-os/modules'), kos.map((ko) => basename(ko)).join('\n') + '\n');
  writeFileSync(join(tree, 'etc/kubesolo-os/release'), `VERSION=${version}\nFAULT=${fault}\n`);
  copyFileSync(INIT, join(tree, 'init'));
  chmodSync(join(tree, 'init'), 0o755);
  chmodSync(join(tree, 'bin/busybox'), 0o755);
  const list = sh('find', ['.', '-mindepth', '1'], { cwd: tree });
  const cpio = shBytes(BUSYBOX, ['cpio', '-o', '-H', 'newc'], { cwd: tree, input: list });
  writeFileSync(out, gzipSync(cpio, { level: 6 }));
  rmSync(tree, { recursive: true, force: true });
}

/** The shared libraries `ldd` lists for a program, the dynamic loader included. */
function libsOf(program: string): string[] {
  const out: string[] = [];
  for (const line of sh('ldd', [program]).split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/** The packages `npm ls` says the agent needs at run time, as paths under node_modules. */
function runtimePackages(): string[] {
  return sh('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO }).split('\n')
    .map((p) => p.trim()).filter((p) => p.startsWith(join(REPO, 'node_modules') + '/'));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

function contentHash(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0`).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/** Identity of big inputs that do not change within a machine's life: path, size and mtime. */
function hashTree(paths: string[]): string {
  const h = createHash('sha256');
  for (const p of paths) {
    const st = statSync(p);
    h.update(`${p}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return h.digest('hex').slice(0, 16);
}

/** Each build of the agent makes a disk of about 180 MB: the cache keeps the newest `keep`. */
function pruneAgentDisks(keep: number): void {
  const dir = cacheDir();
  const disks = readdirSync(dir).filter((f) => /^agent-.*\.img$/.test(f)).map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const old of disks.slice(keep)) rmSync(old, { force: true });
}

/**
 * The agent's own disk (ext4, label KSOLOAGENT, attached read-only): bin/node, bin/blkid (the
 * agent finds slots by label with util-linux's blkid; busybox's cannot filter by tag),
 * bin/kubesolo-update, lib/ with their libraries, app/ with dist and the runtime packages.
 * Cached by what went into it; the agent's build is hashed by content.
 */
export function buildAgentDisk(): string {
  const node = process.execPath;
  const blkid = sh('sh', ['-c', 'command -v blkid']).trim();
  const dist = ['dist/src', 'dist/events', 'dist/projections'].map((d) => join(REPO, d));
  const distHash = contentHash([...dist.flatMap(filesUnder), join(REPO, 'package.json')]);
  const pkgs = runtimePackages();
  const key = `${hashTree([node, blkid, ...pkgs])}-${distHash}`;
  const image = join(cacheDir(), `agent-${key}.img`);
  if (existsSync(image)) return image;
  const tree = `${image}.tree`;
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, 'bin'), { recursive: true });
  mkdirSync(join(tree, 'lib'));
  mkdirSync(join(tree, 'app/node_modules'), { recursive: true });
  copyFileSync(node, join(tree, 'bin/node'));
  copyFileSync(blkid, join(tree, 'bin/blkid'));
  for (const lib of new Set([...libsOf(node), ...libsOf(blkid)])) copyFileSync(lib, join(tree, 'lib', basename(lib)));
  for (const d of dist) cpSync(d, join(tree, 'app', d.slice(REPO.length)), { recursive: true, filter: (s) => !s.endsWith('.map') && !s.endsWith('.d.ts') });
  copyFileSync(join(REPO, 'package.json'), join(tree, 'app/package.json'));
  for (const p of pkgs) cpSync(p, join(tree, 'app/node_modules', p.slice(join(REPO, 'node_modules').length + 1)), { recursive: true });
  writeFileSync(join(tree, 'bin/kubesolo-update'), '#!/bin/sh\nexec /opt/agent/bin/node /opt/agent/app/dist/src/cli.js "$@"\n', { mode: 0o755 });
  const mb = Math.ceil(Number(sh('du', ['-sm', tree]).split('\t')[0]) * 1.3) + 16;
  sh('mkfs.ext4', ['-q', '-F', '-L', 'KSOLOAGENT', '-d', tree, `${image}.partial`, `${mb}M`]);
  renameSync(`${image}.partial`, image);
  rmSync(tree, { recursive: true, force: true });
  pruneAgentDisks(3);
  return image;
}
