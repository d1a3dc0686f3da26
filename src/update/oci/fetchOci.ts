/**
 * check's and apply's step for a registry, the twin of fetchRelease for latest.json: resolve the
 * tag, choose this node's manifest, and answer the release in latest.json's shape — each
 * artifact's URL is its blob in the registry, its SHA-256 the layer digest — with the resolved
 * manifest digest, so the attempt records exactly which bytes were meant, and the authorizer
 * the blob downloads need.
 */
import type { KeyObject } from 'node:crypto';
import type { StatementSeen } from '../../domain/authenticity.js';
import { AgentError } from '../../errors.js';
import { fetchBytes, HttpError, type Authorize } from '../http.js';
import type { Release } from '../metadata.js';
import { disagreement, openStatement, seenOf, STATEMENT_CAP, StatementError, type Statement } from '../statement.js';
import { chooseManifest, ManifestError, parseManifest, releaseOf, type Descriptor } from './manifest.js';
import { formatRef, type RegistryRef } from './reference.js';
import { digestOf, Registry, type Credentials } from './registry.js';
import { readStatementManifest, statementTag } from './statementTag.js';

export interface OciFetched {
  release: Release;
  /** registry/repository:tag@digest — what AttemptStarted.source records. */
  url: string;
  source: { registry: string; repository: string; tag: string; digest: string };
  /** With a key: the statement under our tag verified and binds this manifest. */
  signed: boolean;
  statement: StatementSeen | null;
  authorize: Authorize;
}

export interface OciOptions { ref: RegistryRef; arch: string; plainHttp: boolean; credentials: Credentials | null; idleMs: number; key: KeyObject | null; authRealm?: string | null }

export async function fetchOciRelease(o: OciOptions): Promise<OciFetched> {
  const reg = new Registry({ ref: o.ref, plainHttp: o.plainHttp, credentials: o.credentials, idleMs: o.idleMs, authRealm: o.authRealm ?? null });
  const where = formatRef(o.ref);
  try {
    const top = await reg.manifest(o.ref.tag);
    const resolved = parseManifest(top.body, top.contentType);
    let digest = top.digest;
    let manifest = resolved;
    if (resolved.kind === 'index') {
      const entry = chooseManifest(resolved, o.arch);
      const m = await reg.manifest(entry.digest);
      digest = m.digest;
      manifest = parseManifest(m.body, m.contentType);
      if (manifest.kind !== 'manifest') throw new ManifestError(`the index entry for ${o.arch} (${entry.digest}) is itself an index`);
    }
    const r = releaseOf(manifest as Extract<typeof manifest, { kind: 'manifest' }>, o.arch, resolved.kind === 'index');
    const st = o.key ? await readStatement(reg, o, digest) : null;
    if (st) {
      const differs = disagreement(st, r);
      if (differs) throw new ManifestError(`the manifest ${digest} and its signed statement disagree on ${differs}: refusing it`);
    }
    const artifact = (name: 'vmlinuz' | 'kubesolo-os.gz', d: Descriptor) => ({ name, url: reg.blobUrl(d.digest), sha256: d.digest.slice('sha256:'.length), sigUrl: null, size: d.size });
    return {
      release: {
        version: r.version, artifacts: [artifact('vmlinuz', r.kernel), artifact('kubesolo-os.gz', r.initramfs)], metadataSigUrl: null,
        releaseNotes: r.releaseNotes, releaseDate: r.releaseDate, channel: r.channel, minCompatibleVersion: r.minCompatibleVersion, architecture: r.architecture,
        // What the gates read, with a key: only the signed statement.
        ...(st ? { version: st.version, channel: st.channel, architecture: st.architecture, minCompatibleVersion: st.min_compatible_version } : {}),
      },
      url: `${where}@${digest}`,
      source: { registry: o.ref.host, repository: o.ref.repository, tag: o.ref.tag, digest },
      signed: st !== null,
      statement: st && o.key ? seenOf(st, o.key) : null,
      authorize: reg.authorize,
    };
  } catch (e) {
    if (e instanceof ManifestError || e instanceof StatementError) throw new AgentError('FAILED', `${where}: ${e.message}`);
    throw e;
  }
}

/**
 * The statement under our tag beside the release's, verified and bound to this repository and
 * this manifest digest; null when the registry has none (the decider refuses that with a key).
 */
async function readStatement(reg: Registry, o: OciOptions, digest: string): Promise<Statement | null> {
  const tag = statementTag(o.ref.tag, o.arch);
  let m;
  try { m = await reg.manifest(tag); } catch (e) {
    if (e instanceof HttpError && e.status === 404) return null;
    throw e;
  }
  const layer = readStatementManifest(m.body, m.contentType);
  if (layer.size > STATEMENT_CAP) throw new StatementError(`the statement under ${tag} is ${layer.size} bytes, over the ${STATEMENT_CAP}-byte limit`);
  const { body } = await reg.authed(() => fetchBytes(reg.blobUrl(layer.digest), { idleMs: o.idleMs, maxBytes: STATEMENT_CAP, what: `the statement under ${tag}`, authorize: reg.authorize }));
  if (digestOf(body) !== layer.digest) throw new StatementError(`the statement blob under ${tag} hashes to ${digestOf(body)}, not ${layer.digest}`);
  const st = openStatement(body, layer.signature, o.key!, `${o.ref.host}/${o.ref.repository}:${tag}`);
  const source = `${o.ref.host}/${o.ref.repository}`;
  if (st.source !== source) throw new StatementError(`the signed statement under ${tag} was published for ${st.source ?? 'no repository'}, not ${source}`);
  if (st.manifest !== digest) throw new StatementError(`the signed statement under ${tag} binds ${st.manifest ?? 'no manifest'}, but ${o.ref.tag} resolves to ${digest} for ${o.arch}: refusing it`);
  return st;
}
