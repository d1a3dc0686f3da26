/**
 * The node-block pre-flight (UPSTREAM.md §6.2): the label updates.kubesolo.io/block=true on this
 * node, read with kubectl. It fails open, as upstream's did, when there is no kubeconfig or kubectl
 * cannot read the node — and says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The reason the node is blocked, or null. */
export function nodeBlockedBy(warn: (text: string) => void): string | null {
  const kubeconfig = process.env.KUBECONFIG ?? join(process.env.HOME ?? '/root', '.kube/config');
  if (!existsSync(kubeconfig)) {
    warn(`note: node-block pre-flight skipped: no kubeconfig (${kubeconfig})`);
    return null;
  }
  const node = (process.env.NODE_NAME ?? hostname()).toLowerCase();
  const r = spawnSync('kubectl', ['get', 'node', node, '-o', 'jsonpath={.metadata.labels.updates\\.kubesolo\\.io/block}'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) {
    warn(`note: node-block pre-flight skipped: kubectl could not read node ${node}: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`);
    return null;
  }
  return r.stdout.trim() === 'true' ? `node ${node} is blocked by the label updates.kubesolo.io/block=true` : null;
}
