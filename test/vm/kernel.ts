/**
 * Debian's cloud kernel for the stand-in OS, fetched once per machine into the VM cache (never
 * into /boot): `apt-get download` of the package linux-image-cloud-amd64 points at, unpacked
 * with dpkg-deb, its modules indexed with depmod.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sh } from './host.js';

/** One directory for everything the lane builds that outlives a run (KUBESOLO_VM_CACHE overrides). */
export function cacheDir(): string {
  const dir = process.env.KUBESOLO_VM_CACHE ?? join(homedir(), '.cache', 'kubesolo-update', 'vm');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Kernel { release: string; vmlinuz: string; root: string }

/** The modules of `kernel` that `names` need, as .ko paths in load order (modprobe's answer). */
export function modulesFor(k: Kernel, names: string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    for (const line of sh('modprobe', ['-d', k.root, '-S', k.release, '--show-depends', name]).split('\n')) {
      const m = /^insmod (\S+)/.exec(line.trim());
      if (m && !out.includes(m[1])) out.push(m[1]);
    }
  }
  return out;
}

function unpacked(dir: string): Kernel | null {
  const boot = join(dir, 'boot');
  if (!existsSync(boot)) return null;
  const image = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
  return image ? { release: image.slice('vmlinuz-'.length), vmlinuz: join(boot, image), root: dir } : null;
}

/** The cached kernel, fetched and unpacked first when the cache has none. */
export function cloudKernel(): Kernel {
  const dir = join(cacheDir(), 'kernel');
  const have = unpacked(dir);
  if (have) return have;
  const deps = sh('apt-cache', ['depends', 'linux-image-cloud-amd64']);
  const pkg = /Depends: (linux-image-\S+-cloud-amd64)/.exec(deps)?.[1];
  if (!pkg) throw new Error(`apt-cache knows no linux-image-cloud-amd64 kernel (run apt-get update): ${deps.trim()}`);
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  sh('apt-get', ['download', '-q', pkg], { cwd: work });
  const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${work}`);
  sh('dpkg-deb', ['-x', join(work, deb), join(work, 'root')]);
  const k = unpacked(join(work, 'root'));
  if (!k) throw new Error(`${deb} holds no /boot/vmlinuz-*`);
  sh('depmod', ['-b', k.root, k.release]);
  // The .deb is kept beside the tree: it is what was installed, for anyone who asks.
  renameSync(join(work, deb), join(work, 'root', deb));
  renameSync(join(work, 'root'), dir);
  rmSync(work, { recursive: true, force: true });
  return unpacked(dir)!;
}
