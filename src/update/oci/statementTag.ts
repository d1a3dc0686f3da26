/**
 * Where a release's signed statement lives in the registry: a manifest of our own under a tag
 * of our own naming, beside the release's tag. Not cosign's `sha256-<digest>.sig`, which cosign
 * would read as its own signature format; and not the referrers API, which the registries we
 * test against (distribution 2.8) do not have. One statement per architecture: each binds that
 * architecture's manifest digest. Pure.
 */
import { createHash } from 'node:crypto';
import { ManifestError, MEDIA, parseManifest } from './manifest.js';

export const STATEMENT_MEDIA = 'application/vnd.kubesolo.os.statement.v1+json';
export const SIGNATURE_ANNOTATION = 'io.kubesolo.os.statement.signature';
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** `stable` for amd64 → `stable.kubesolo-statement.amd64`. */
export function statementTag(tag: string, arch: string): string {
  const t = `${tag}.kubesolo-statement.${arch}`;
  if (!TAG.test(t)) throw new ManifestError(`the statement tag ${JSON.stringify(t)} is not a valid tag (over 128 characters?); use a shorter tag`);
  return t;
}

const blob = (bytes: Buffer) => ({ digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes });

/** The statement as a registry artifact: config `{}`, the statement as its one layer, the signature annotated. */
export function statementManifest(text: Buffer, signatureHex: string) {
  const config = blob(Buffer.from('{}'));
  const layer = blob(text);
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.bytes.length },
    layers: [{ mediaType: STATEMENT_MEDIA, digest: layer.digest, size: layer.bytes.length }],
    annotations: { [SIGNATURE_ANNOTATION]: signatureHex },
  })));
  return { blobs: [config, layer], manifest };
}

/** From a statement manifest's bytes: the layer to fetch and the signature. */
export function readStatementManifest(bytes: Buffer, contentType: string | null): { digest: string; size: number; signature: string } {
  const m = parseManifest(bytes, contentType);
  if (m.kind !== 'manifest') throw new ManifestError('the statement tag names an image index, not a statement manifest');
  const layers = m.layers.filter((l) => l.mediaType === STATEMENT_MEDIA);
  if (layers.length !== 1) throw new ManifestError(`the statement manifest has ${layers.length} layers of ${STATEMENT_MEDIA}; it needs exactly one`);
  const signature = m.annotations[SIGNATURE_ANNOTATION];
  if (!signature) throw new ManifestError(`the statement manifest has no ${SIGNATURE_ANNOTATION} annotation`);
  return { digest: layers[0].digest, size: layers[0].size, signature };
}
