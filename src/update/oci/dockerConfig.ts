/**
 * Registry credentials from Docker's config.json, the file `docker login`, `skopeo login` and
 * `podman login` write: `auths[host].auth` (base64 of user:password) or `username`/`password`.
 * Credential helpers and stores need programs this agent will not run; they are refused with
 * the fix. Errors name the file and the host, never a secret. Pure: bytes in.
 */
import type { Credentials } from './registry.js';

/** A config.json is small; this is far beyond any real one. */
export const DOCKER_CONFIG_CAP = 1024 * 1024;

export class DockerConfigError extends Error {}

/** The host an auths key names: docker writes "https://index.docker.io/v1/" as well as "host:port". */
function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

export function credentialsFor(bytes: Buffer, host: string, file: string): Credentials | null {
  if (bytes.length > DOCKER_CONFIG_CAP) throw new DockerConfigError(`${file} is larger than ${DOCKER_CONFIG_CAP} bytes; it is not a Docker config.json`);
  let doc: unknown;
  try { doc = JSON.parse(bytes.toString('utf8')); } catch { throw new DockerConfigError(`${file} is not JSON (expected Docker's config.json, as 'docker login' writes it)`); }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DockerConfigError(`${file} is not a JSON object`);
  const o = doc as Record<string, unknown>;
  const want = host.toLowerCase();
  const helpers = o.credHelpers;
  if (typeof helpers === 'object' && helpers !== null && Object.keys(helpers).some((k) => hostOfKey(k) === want)) {
    throw new DockerConfigError(`${file} names a credential helper for ${host}; this agent runs no helper programs: put an "auths" entry for ${host} in a config file of its own (docker_config=)`);
  }
  const auths = o.auths;
  if (auths === undefined) return null;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) throw new DockerConfigError(`${file}: "auths" is not an object`);
  const key = Object.keys(auths).find((k) => hostOfKey(k) === want);
  if (key === undefined) {
    if (typeof o.credsStore === 'string') throw new DockerConfigError(`${file} keeps its credentials in the "${o.credsStore}" store, which this agent cannot read: put an "auths" entry for ${host} in a config file of its own (docker_config=)`);
    return null;
  }
  const e = (auths as Record<string, unknown>)[key];
  if (typeof e !== 'object' || e === null) throw new DockerConfigError(`${file}: the entry for ${key} is not an object`);
  const entry = e as Record<string, unknown>;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') throw new DockerConfigError(`${file}: the entry for ${key} holds an identity token (an OAuth2 refresh token), which this agent does not use: log in with a user and password or an access token`);
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon <= 0) throw new DockerConfigError(`${file}: the "auth" of ${key} is not base64 of user:password`);
    return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') return { username: entry.username, password: entry.password };
  throw new DockerConfigError(`${file}: the entry for ${key} has neither "auth" nor "username" and "password"`);
}
