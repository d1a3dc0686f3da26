/**
 * The release gates of apply (DESIGN.md §7), in upstream's order then ours: channel,
 * architecture, minimum compatible version, downgrade, a release rejected by an earlier
 * rollback (by its version, or by its bytes under another label). Pure; free space is measured
 * by the shell. They read only what latest.json said — with a key, only signed bytes.
 */
import { artifactsKey } from '../../projections/lifecycle.js';
import { compareVersions } from './version.js';

/** What the gates read of an offered release (update/metadata.ts's Release has these fields). */
export interface OfferedRelease {
  version: string;
  channel: string | null;
  architecture: string | null;
  minCompatibleVersion: string | null;
  artifacts: ReadonlyArray<{ name: string; sha256: string; size?: number | null }>;
}

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
  /** artifactsKey of each rejected release. */
  rejectedArtifacts: string[];
}

export function evaluateGates(r: OfferedRelease, f: GateFacts): GateResult[] {
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
  const sameBytes = f.rejectedArtifacts.includes(artifactsKey(r.artifacts));
  add('rejected', f.allowRejected || (!f.rejected.includes(r.version) && !sameBytes),
    f.rejected.includes(r.version)
      ? `${r.version} was rolled back before; pass --allow-rejected to try it again`
      : `${r.version} has the same artifacts (SHA-256) as a release that was rolled back before; pass --allow-rejected to try it again`);
  return out;
}
