/**
 * Fetching, validating and authenticating latest.json — the step shared by check and apply.
 * With a public key and a metadata_sig_url, the signature must verify over the exact bytes the
 * release was parsed from; without a metadata signature the result says `signed: false`, and
 * the deciders refuse it (per-artifact signatures bind neither the version nor the gates' fields).
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AgentError } from '../errors.js';
import { fetchBytes } from './http.js';
import type { StatementSeen } from '../domain/authenticity.js';
import { METADATA_CAP, NotJson, parseMetadata, statementFields, type Release } from './metadata.js';
import { parseSignature, publicKeyFromHex, verifySignature } from './signing.js';
import { disagreement, openStatement, seenOf, serverSource, StatementError, type Statement } from './statement.js';

export interface Fetched { release: Release; url: string; signed: boolean; statement: StatementSeen | null }

export function loadPublicKey(path: string | null): KeyObject | null {
  if (!path) return null;
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (err) { throw new AgentError('USAGE', `cannot read the public key ${path}: ${(err as Error).message}`); }
  try { return publicKeyFromHex(text, path); } catch (err) { throw new AgentError('USAGE', (err as Error).message); }
}

export function latestUrl(server: string): string {
  try {
    return new URL('latest.json', server.endsWith('/') ? server : `${server}/`).href;
  } catch {
    throw new AgentError('USAGE', `server ${JSON.stringify(server)} is not a URL`);
  }
}

/** Fetches a small signature file and checks it; throws FAILED with the reason otherwise. */
export async function checkSignature(sigUrl: string, message: Buffer, key: KeyObject, what: string, idleMs: number): Promise<void> {
  const { body } = await fetchBytes(sigUrl, { idleMs, maxBytes: 1024, what: `the signature of ${what}` });
  const sig = parseSignature(body);
  if (!sig) throw new AgentError('FAILED', `the signature of ${what} (${sigUrl}) is neither 64 bytes nor 128 hex characters`);
  if (!verifySignature(message, sig, key)) throw new AgentError('FAILED', `the signature of ${what} does not match the configured public key`);
}

/** What answered instead of latest.json: the URL, its content type, and how the body begins. */
function notJson(url: string, contentType: string | null, body: Buffer): string {
  const begins = JSON.stringify(body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 40));
  if (contentType && /\bjson\b/i.test(contentType)) return `${url} answered with content type ${contentType}, but the body is not JSON (it begins ${begins})`;
  return `${url} answered with content type ${contentType ?? '(none)'}, not JSON (it begins ${begins}); is the server URL the directory that holds latest.json?`;
}

export async function fetchRelease(server: string, key: KeyObject | null, idleMs: number): Promise<Fetched> {
  const url = latestUrl(server);
  const { body, url: finalUrl, contentType } = await fetchBytes(url, { idleMs, maxBytes: METADATA_CAP, what: 'latest.json' });
  let release: Release;
  try {
    release = parseMetadata(body, finalUrl);
  } catch (err) {
    throw new AgentError('FAILED', err instanceof NotJson ? notJson(finalUrl, contentType, body) : (err as Error).message);
  }
  if (!key) return { release, url: finalUrl, signed: false, statement: null };
  const fields = statementFields(body);
  if (fields) {
    const st = readStatement(fields, key, finalUrl, server, release);
    return { release: fromStatement(release, st), url: finalUrl, signed: true, statement: seenOf(st, key) };
  }
  if (!release.metadataSigUrl) return { release, url: finalUrl, signed: false, statement: null };
  await checkSignature(release.metadataSigUrl, body, key, 'latest.json', idleMs);
  return { release, url: finalUrl, signed: true, statement: null };
}

/** The statement in latest.json, verified and bound to this server and to what latest.json says. */
function readStatement(fields: { text: Buffer; sig: string }, key: KeyObject, url: string, server: string, r: Release): Statement {
  let st: Statement;
  try { st = openStatement(fields.text, fields.sig, key, url); } catch (e) { throw new AgentError('FAILED', (e as StatementError).message); }
  if (st.source !== null && st.source !== serverSource(server)) throw new AgentError('FAILED', `the signed statement at ${url} was published for ${st.source}, not for this node's server ${serverSource(server)}`);
  if (!st.artifacts) throw new AgentError('FAILED', `the signed statement at ${url} binds a registry manifest, not latest.json's artifacts`);
  const differs = disagreement(st, r) ?? r.artifacts.map((a) => (a.sha256 !== st.artifacts![a.name] ? `${a.name}'s SHA-256` : null)).find((x) => x !== null) ?? null;
  if (differs) throw new AgentError('FAILED', `latest.json at ${url} and its signed statement disagree on ${differs}: refusing it`);
  return st;
}

/** What the gates read: only the signed fields; latest.json contributes URLs and sizes (both checked against the signed hashes). */
function fromStatement(r: Release, st: Statement): Release {
  return { ...r, version: st.version, channel: st.channel, architecture: st.architecture, minCompatibleVersion: st.min_compatible_version };
}
