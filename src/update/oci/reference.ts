/**
 * Where a release lives in a registry, as an operator writes it: `--registry host[:port]/repo`
 * with `--tag T` (registry= and tag= in update.conf), or `host[:port]/repo:tag` in one
 * (release --push). Checked against the distribution spec's grammar, so a typo is refused here
 * with what is wrong, not as a 404 from the registry. Pure.
 */

export interface RegistryRef {
  /** host or host:port, as written (lower-cased). */
  host: string;
  /** The repository path inside the registry, e.g. kubesolo/os. */
  repository: string;
  tag: string;
}

export class ReferenceError extends Error {}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** `host[:port]/repo[/more]` (no tag): what --registry and registry= take. */
export function parseRegistry(text: string, tag: string): RegistryRef {
  const s = text.trim().replace(/^(?:https?|oci):\/\//, '');
  const slash = s.indexOf('/');
  if (slash <= 0) throw new ReferenceError(`registry ${JSON.stringify(text)} names no repository: write host[:port]/repository, e.g. ghcr.io/example/kubesolo-os`);
  const host = s.slice(0, slash).toLowerCase();
  const repository = s.slice(slash + 1);
  // Without a dot, a port or "localhost", the first part would be a Docker Hub namespace: we never guess a registry.
  if (!HOST.test(host) || (!host.includes('.') && !host.includes(':') && host !== 'localhost')) {
    throw new ReferenceError(`registry ${JSON.stringify(text)}: ${JSON.stringify(host)} is not a registry host (name it in full, e.g. docker.io/${host}/…)`);
  }
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new ReferenceError(`registry ${JSON.stringify(text)}: port ${port} is out of range`);
  if (repository.length === 0 || repository.length > 255) throw new ReferenceError(`registry ${JSON.stringify(text)}: the repository path must be 1 to 255 characters`);
  const bad = repository.split('/').find((c) => !COMPONENT.test(c));
  if (bad !== undefined) throw new ReferenceError(`registry ${JSON.stringify(text)}: ${JSON.stringify(bad)} is not a repository path component (lower-case letters and digits, joined by . _ __ or -)`);
  if (!TAG.test(tag)) throw new ReferenceError(`tag ${JSON.stringify(tag)} is not a tag (up to 128 of letters, digits, _ . -, not starting with . or -)`);
  return { host, repository, tag };
}

/** `host[:port]/repo:tag` in one (release --push REGISTRY/REPO:TAG). */
export function parseReference(text: string): RegistryRef {
  const s = text.trim();
  const lastSlash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon <= lastSlash) throw new ReferenceError(`${JSON.stringify(text)} names no tag: write host[:port]/repository:tag`);
  return parseRegistry(s.slice(0, colon), s.slice(colon + 1));
}

/** The reference as it is written back: host/repository:tag. */
export const formatRef = (r: RegistryRef): string => `${r.host}/${r.repository}:${r.tag}`;
