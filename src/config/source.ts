/**
 * Where releases come from: an update server (server=, latest.json) or an OCI registry
 * (registry= with tag=). A flag beats update.conf as for every setting, so --registry on the
 * command line wins over a server= line and --server over a registry= line; both at the same
 * level is a usage error (exit 2) that names both. Pure: the merged configuration in.
 */
import { AgentError } from '../errors.js';
import type { Config, Setting } from './load.js';

export type UpdateSource =
  | { kind: 'http'; server: string }
  | { kind: 'oci'; registry: string; tag: string; plainHttp: boolean; dockerConfig: string | null; authRealm: string | null };

const RANK: Record<Setting['source'], number> = { flag: 2, file: 1, default: 0 };

export function chooseSource(c: Config): UpdateSource {
  const get = (key: string) => c.settings.find((s) => s.key === key)!;
  const server = get('server'), registry = get('registry'), tag = get('tag');
  const has = (s: Setting) => s.value !== null && s.value !== '';
  if (has(server) && has(registry) && RANK[server.source] === RANK[registry.source]) {
    throw new AgentError('USAGE', `both an update server (${server.where}) and a registry (${registry.where}) are set at the same level: keep one`);
  }
  const useRegistry = has(registry) && (!has(server) || RANK[registry.source] > RANK[server.source]);
  if (useRegistry) {
    if (!has(tag)) throw new AgentError('USAGE', `a registry (${registry.where}) needs a tag: set tag= in ${c.file} or pass --tag T`);
    return { kind: 'oci', registry: String(registry.value), tag: String(tag.value), plainHttp: get('plain_http').value === 1, dockerConfig: (get('docker_config').value as string | null) ?? null,
      authRealm: (get('registry_auth_realm').value as string | null) ?? null };
  }
  if (!has(server)) throw new AgentError('USAGE', `no update server: set server= (or registry= and tag=) in ${c.file}, or pass --server URL (or --registry HOST/REPO --tag T)`);
  return { kind: 'http', server: String(server.value) };
}
