/**
 * check's and apply's step for a registry, the twin of fetchRelease for latest.json: resolve the
 * tag, choose this node's manifest, and answer the release in latest.json's shape — each
 * artifact's URL is its blob in the registry, its SHA-256 the layer digest — with the resolved
 * manifest digest, so the attempt records exactly which bytes were meant, and the authorizer
 * the blob downloads need.
 */
import { AgentError } from '../../errors.js';
import type { Authorize } from '../http.js';
import type { Release } from '../metadata.js';
import { chooseManifest, ManifestError, parseManifest, releaseOf, type Descriptor } from './manifest.js';
import { formatRef, type RegistryRef } from './reference.js';
import { Registry, type Credentials } from './registry.js';

export interface OciFetched {
  release: Release;
  /** registry/repository:tag@digest — what AttemptStarted.source records. */
  url: string;
  source: { registry: string; repository: string; tag: string; digest: string };
  /** Nothing on this path is signed yet: the deciders refuse it when a key is configured. */
  signed: false;
  authorize: Authorize;
}

export interface OciOptions { ref: RegistryRef; arch: string; plainHttp: boolean; credentials: Credentials | null; idleMs: number }

export async function fetchOciRelease(o: OciOptions): Promise<OciFetched> {
  const reg = new Registry({ ref: o.ref, plainHttp: o.plainHttp, credentials: o.credentials, idleMs: o.idleMs });
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
    const artifact = (name: 'vmlinuz' | 'kubesolo-os.gz', d: Descriptor) => ({ name, url: reg.blobUrl(d.digest), sha256: d.digest.slice('sha256:'.length), sigUrl: null, size: d.size });
    return {
      release: {
        version: r.version, artifacts: [artifact('vmlinuz', r.kernel), artifact('kubesolo-os.gz', r.initramfs)], metadataSigUrl: null,
        releaseNotes: r.releaseNotes, releaseDate: r.releaseDate, channel: r.channel, minCompatibleVersion: r.minCompatibleVersion, architecture: r.architecture,
      },
      url: `${where}@${digest}`,
      source: { registry: o.ref.host, repository: o.ref.repository, tag: o.ref.tag, digest },
      signed: false,
      authorize: reg.authorize,
    };
  } catch (e) {
    if (e instanceof ManifestError) throw new AgentError('FAILED', `${where}: ${e.message}`);
    throw e;
  }
}
