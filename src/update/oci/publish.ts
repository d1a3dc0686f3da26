/**
 * `release --push`: the release in the Go agent's layout, then its signed statement under our
 * tag, through the distribution API. The statement goes last, so a node never reads a statement
 * naming a manifest the registry does not have yet.
 */
import { buildArtifact, type ArtifactSpec } from './layout.js';
import { MEDIA } from './manifest.js';
import { Pusher, type PushReport } from './push.js';
import type { RegistryRef } from './reference.js';
import { Registry, type Credentials } from './registry.js';
import { statementManifest, statementTag } from './statementTag.js';

export interface PushOptions { ref: RegistryRef; plainHttp: boolean; credentials: Credentials | null; idleMs: number; chunkBytes?: number }

/** `sign` gets the manifest digest the statement must bind and answers the statement's text and signature. */
export async function pushRelease(o: PushOptions, spec: ArtifactSpec, sign: (manifestDigest: string) => { text: Buffer; signatureHex: string }): Promise<PushReport & { manifest: string; index: string; statementTag: string }> {
  const reg = new Registry({ ref: o.ref, plainHttp: o.plainHttp, credentials: o.credentials, idleMs: o.idleMs, access: 'pull,push' });
  const p = new Pusher(reg, o.idleMs, o.chunkBytes);
  const a = buildArtifact(spec);
  const tag = statementTag(o.ref.tag, spec.arch);
  for (const b of a.blobs) await p.blob(b.digest, b.bytes);
  await p.manifest(a.manifest.digest, MEDIA.ociManifest, a.manifest.bytes);
  await p.manifest(o.ref.tag, MEDIA.ociIndex, a.index.bytes);
  const signed = sign(a.manifest.digest);
  const st = statementManifest(signed.text, signed.signatureHex);
  for (const b of st.blobs) await p.blob(b.digest, b.bytes);
  await p.manifest(tag, MEDIA.ociManifest, st.manifest.bytes);
  return { ...p.report, manifest: a.manifest.digest, index: a.index.digest, statementTag: tag };
}
