/**
 * The signed release statement: the only bytes the gates read when a key is configured, on both
 * transports. A small JSON document binding where the release is published (a registry
 * repository or an update server), what it is (a manifest digest or the artifacts' SHA-256),
 * its version, channel and architecture, a serial that grows with every publication, and an
 * expiry. The signature covers a domain prefix and the exact JSON text, so it can never pass as
 * a signature of a latest.json or an artifact (those sign raw file bytes), nor they as one of it.
 * Pure.
 */
import type { KeyObject } from 'node:crypto';
import { parseVersion } from '../domain/version.js';
import { keyId, parseSignature, verifySignature } from './signing.js';

export const STATEMENT_PURPOSE = 'kubesolo-os-release/v1';
const DOMAIN = Buffer.from('kubesolo-update signed statement v1\n');
/** A statement is a few hundred bytes; anything larger is not one. */
export const STATEMENT_CAP = 16 * 1024;

export interface Statement {
  purpose: typeof STATEMENT_PURPOSE;
  /** Registry statements: `host/repository`. Update-server statements: the server URL, or null when the publisher named none. */
  source: string | null;
  version: string;
  channel: string;
  architecture: string;
  min_compatible_version: string | null;
  /** Registry: the digest of this architecture's manifest. */
  manifest?: string;
  /** Update server: the SHA-256 of each artifact. */
  artifacts?: { vmlinuz: string; 'kubesolo-os.gz': string };
  serial: number;
  published: string;
  expires: string;
}

export class StatementError extends Error {}

/** The bytes an Ed25519 signature of this statement covers. */
export const signedMessage = (text: Buffer): Buffer => Buffer.concat([DOMAIN, text]);

export const encodeStatement = (s: Statement): Buffer => Buffer.from(JSON.stringify(s));

/** A server URL as a statement names it: always with its trailing slash, so `x` and `x/` agree. */
export const serverSource = (server: string): string => (server.endsWith('/') ? server : `${server}/`);

const SHA = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function text(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') throw new StatementError(`the signed statement has no "${key}"`);
  return v;
}

function time(o: Record<string, unknown>, key: string): string {
  const v = text(o, key);
  if (Number.isNaN(Date.parse(v))) throw new StatementError(`the signed statement's "${key}" is not a time: ${JSON.stringify(v.slice(0, 40))}`);
  return v;
}

/** Parses a statement whose signature has already verified; throws StatementError naming the field. */
export function parseStatement(bytes: Buffer): Statement {
  if (bytes.length > STATEMENT_CAP) throw new StatementError(`the signed statement is larger than ${STATEMENT_CAP} bytes`);
  let o: unknown;
  try { o = JSON.parse(bytes.toString('utf8')); } catch { throw new StatementError('the signed statement is not JSON'); }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new StatementError('the signed statement is not a JSON object');
  const m = o as Record<string, unknown>;
  if (m.purpose !== STATEMENT_PURPOSE) throw new StatementError(`the signed statement's purpose is ${JSON.stringify(m.purpose)}, not ${STATEMENT_PURPOSE}`);
  const version = text(m, 'version');
  if (!parseVersion(version)) throw new StatementError(`the signed statement's version is not a version: ${JSON.stringify(version.slice(0, 40))}`);
  const min = m.min_compatible_version ?? null;
  if (min !== null && (typeof min !== 'string' || !parseVersion(min))) throw new StatementError('the signed statement\'s "min_compatible_version" is not a version');
  if (m.source !== null && typeof m.source !== 'string') throw new StatementError('the signed statement\'s "source" must be a string or null');
  if (!Number.isSafeInteger(m.serial) || (m.serial as number) < 1) throw new StatementError('the signed statement\'s "serial" must be a whole number from 1');
  const s: Statement = {
    purpose: STATEMENT_PURPOSE, source: (m.source as string | null) ?? null, version, channel: text(m, 'channel'), architecture: text(m, 'architecture'),
    min_compatible_version: min as string | null, serial: m.serial as number, published: time(m, 'published'), expires: time(m, 'expires'),
  };
  if (m.manifest !== undefined) {
    if (typeof m.manifest !== 'string' || !DIGEST.test(m.manifest)) throw new StatementError('the signed statement\'s "manifest" is not a sha256: digest');
    s.manifest = m.manifest;
  }
  if (m.artifacts !== undefined) {
    const a = m.artifacts as Record<string, unknown> | null;
    if (!a || typeof a.vmlinuz !== 'string' || typeof a['kubesolo-os.gz'] !== 'string' || !SHA.test(a.vmlinuz) || !SHA.test(a['kubesolo-os.gz'])) {
      throw new StatementError('the signed statement\'s "artifacts" must give the SHA-256 of vmlinuz and kubesolo-os.gz');
    }
    s.artifacts = { vmlinuz: a.vmlinuz, 'kubesolo-os.gz': a['kubesolo-os.gz'] };
  }
  if ((s.manifest === undefined) === (s.artifacts === undefined)) throw new StatementError('the signed statement must bind either a "manifest" digest or the "artifacts" hashes');
  return s;
}

/**
 * Where what the server sent disagrees with what was signed, the first field that differs: the
 * gates then read the statement, but a disagreement means someone changed the unsigned part.
 */
export function disagreement(s: Statement, seen: { version: string; channel: string | null; architecture: string | null; minCompatibleVersion: string | null }): string | null {
  if (seen.version !== s.version) return `version (${seen.version} served, ${s.version} signed)`;
  if (seen.channel !== null && seen.channel !== s.channel) return `channel (${seen.channel} served, ${s.channel} signed)`;
  if (seen.architecture !== null && seen.architecture !== s.architecture) return `architecture (${seen.architecture} served, ${s.architecture} signed)`;
  if (seen.minCompatibleVersion !== null && seen.minCompatibleVersion !== s.min_compatible_version) return `min_compatible_version (${seen.minCompatibleVersion} served, ${s.min_compatible_version ?? 'none'} signed)`;
  return null;
}

/** A statement and its signature as served; the signature must verify before anything is parsed. */
export function openStatement(text: Buffer, signatureHex: string, key: KeyObject, where: string): Statement {
  const sig = parseSignature(Buffer.from(signatureHex));
  if (!sig) throw new StatementError(`the signature of the statement at ${where} is neither 64 bytes nor 128 hex characters`);
  if (!verifySignature(signedMessage(text), sig, key)) throw new StatementError(`the signed statement at ${where} does not match the configured public key`);
  return parseStatement(text);
}

export const seenOf = (s: Statement, key: KeyObject) => ({ key: keyId(key), serial: s.serial, expires: s.expires, published: s.published });
