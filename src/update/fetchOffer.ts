/**
 * The release on offer, from wherever update.conf and the flags point: latest.json on an update
 * server, or a tag in an OCI registry. `prepareSource` checks what can be checked before the
 * network (the reference, the credentials file), so a typo is exit 2 before any lock is taken.
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { UpdateSource } from '../config/source.js';
import { AgentError } from '../errors.js';
import { fetchRelease, type Fetched } from './fetchRelease.js';
import type { Authorize } from './http.js';
import { credentialsFor, DOCKER_CONFIG_CAP, DockerConfigError } from './oci/dockerConfig.js';
import { fetchOciRelease } from './oci/fetchOci.js';
import { parseRegistry, ReferenceError, type RegistryRef } from './oci/reference.js';
import type { Credentials } from './oci/registry.js';

export type PreparedSource =
  | { kind: 'http'; server: string }
  | { kind: 'oci'; ref: RegistryRef; plainHttp: boolean; credentials: Credentials | null; authRealm: string | null };

/** What a blob download needs besides the URL: the registry's Authorization, when the offer came from one. */
export interface Offer extends Fetched { authorize?: Authorize }

export function prepareSource(s: UpdateSource): PreparedSource {
  if (s.kind === 'http') return s;
  let ref: RegistryRef;
  try { ref = parseRegistry(s.registry, s.tag); } catch (e) {
    throw new AgentError('USAGE', (e as ReferenceError).message);
  }
  const credentials = s.dockerConfig ? loadCredentials(s.dockerConfig, ref.host, 'docker_config=') : null;
  return { kind: 'oci', ref, authRealm: s.authRealm, plainHttp: s.plainHttp, credentials };
}

/** Credentials for `host` from a Docker config.json; every failure is exit 2 naming the file, never a secret. */
export function loadCredentials(file: string, host: string, setBy: string): Credentials | null {
  let bytes: Buffer;
  try { bytes = readFileSync(file); } catch (e) { throw new AgentError('USAGE', `cannot read the registry credentials ${file} (${setBy}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  if (bytes.length > DOCKER_CONFIG_CAP) throw new AgentError('USAGE', `${file} is larger than ${DOCKER_CONFIG_CAP} bytes; it is not a Docker config.json`);
  try { return credentialsFor(bytes, host, file); } catch (e) {
    throw new AgentError('USAGE', (e as DockerConfigError).message);
  }
}

export async function fetchOffer(s: PreparedSource, key: KeyObject | null, idleMs: number, arch: string): Promise<Offer> {
  if (s.kind === 'http') return fetchRelease(s.server, key, idleMs);
  const f = await fetchOciRelease({ ref: s.ref, arch, plainHttp: s.plainHttp, credentials: s.credentials, authRealm: s.authRealm, idleMs, key });
  return { release: f.release, url: f.url, signed: f.signed, statement: f.statement, authorize: f.authorize };
}
