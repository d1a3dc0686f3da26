/**
 * Where everything lives. `--root DIR` re-roots every default path into a sandbox
 * (DESIGN.md §5); an explicitly given path is taken as it is.
 */
import { join, resolve } from 'node:path';

export const DEFAULTS = {
  dataDir: '/var/lib/kubesolo/update',
  conf: '/etc/kubesolo/update.conf',
  grubenv: '/boot/grub/grubenv',
  cmdline: '/proc/cmdline',
} as const;

export interface Paths {
  root: string;
  dataDir: string;
  state: string;
  conf: string;
  grubenv: string;
  cmdline: string;
}

export interface PathFlags { root?: string; dataDir?: string; state?: string; conf?: string; grubenv?: string }

export function resolvePaths(f: PathFlags): Paths {
  const root = resolve(f.root ?? '/');
  const under = (p: string) => (f.root ? join(root, p) : p);
  const dataDir = f.dataDir ? resolve(f.dataDir) : under(DEFAULTS.dataDir);
  return {
    root,
    dataDir,
    state: f.state ? resolve(f.state) : join(dataDir, 'state.json'),
    conf: f.conf ? resolve(f.conf) : under(DEFAULTS.conf),
    grubenv: f.grubenv ? resolve(f.grubenv) : under(DEFAULTS.grubenv),
    cmdline: under(DEFAULTS.cmdline),
  };
}
