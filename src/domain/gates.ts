/**
 * The release gates of apply (DESIGN.md §7), in upstream's order then ours: channel,
 * architecture, minimum compatible version, downgrade, a version rejected by an earlier
 * rollback. Pure; free space is measured by the shell.
 */
import type { Release } from '../update/metadata.js';
import { compareVersions } from '../update/version.js';

export type GateName = 'channel' | 'architecture' | 'min_compatible_version' | 'downgrade' | 'rejected';
export interface GateResult { gate: GateName; ok: boolean; reason?: string }

/** Node's process.arch in Go's GOARCH names, as latest.json spells architectures. */
export function goArch(nodeArch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

export interface GateFacts {
  current: string | null;
  channel: string | null;
  arch: string;
  allowDowngrade: boolean;
  allowRejected: boolean;
  rejected: string[];
}

export function evaluateGates(r: Release, f: GateFacts): GateResult[] {
  const out: GateResult[] = [];
  const add = (gate: GateName, ok: boolean, reason: string) => out.push(ok ? { gate, ok } : { gate, ok, reason });
  add('channel', !f.channel || !r.channel || r.channel === f.channel,
    `release channel ${JSON.stringify(r.channel)} does not match the configured channel ${JSON.stringify(f.channel)}`);
  add('architecture', !r.architecture || r.architecture === f.arch,
    `the release is for ${r.architecture}, this node is ${f.arch}`);
  const min = r.minCompatibleVersion;
  add('min_compatible_version', !min || (f.current !== null && (compareVersions(f.current, min) ?? -1) >= 0),
    f.current === null ? `the release needs at least ${min} and the running version is unknown` : `the release needs at least ${min}; this node runs ${f.current} (update to ${min} first)`);
  const cmp = f.current === null ? null : compareVersions(r.version, f.current);
  add('downgrade', f.allowDowngrade || cmp === null || cmp >= 0,
    `${r.version} is older than the running ${f.current}; pass --allow-downgrade to install it anyway`);
  add('rejected', f.allowRejected || !f.rejected.includes(r.version),
    `${r.version} was rolled back before; pass --allow-rejected to try it again`);
  return out;
}
