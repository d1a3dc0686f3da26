/**
 * The artifact `release --push` publishes, in the Go agent's layout: a config `{}`, one manifest
 * with the kernel and initramfs layers and the io.kubesolo.os.* annotations, and an image index
 * naming it for its architecture (with the same annotations, so a reader of the index alone
 * knows the version). Pure: bytes in, documents out.
 */
import { createHash } from 'node:crypto';
import { ANNOTATION, MEDIA } from './manifest.js';

export interface Blob { digest: string; bytes: Buffer }
export interface Artifact { blobs: Blob[]; manifest: Blob; index: Blob }

const blob = (bytes: Buffer): Blob => ({ digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes });
const desc = (mediaType: string, b: Blob) => ({ mediaType, digest: b.digest, size: b.bytes.length });

export interface ArtifactSpec {
  kernel: Buffer; initramfs: Buffer; version: string; arch: string;
  channel?: string | null; minCompatible?: string | null; releaseNotes?: string | null; releaseDate?: string | null;
}

export function buildArtifact(s: ArtifactSpec): Artifact {
  const annotations: Record<string, string> = { [ANNOTATION.version]: s.version, [ANNOTATION.architecture]: s.arch };
  if (s.channel) annotations[ANNOTATION.channel] = s.channel;
  if (s.minCompatible) annotations[ANNOTATION.minCompatible] = s.minCompatible;
  if (s.releaseNotes) annotations[ANNOTATION.releaseNotes] = s.releaseNotes;
  if (s.releaseDate) annotations[ANNOTATION.releaseDate] = s.releaseDate;
  const config = blob(Buffer.from('{}'));
  const kernel = blob(s.kernel), initramfs = blob(s.initramfs);
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc('application/vnd.oci.image.config.v1+json', config),
    layers: [desc(MEDIA.kernel, kernel), desc(MEDIA.initramfs, initramfs)], annotations,
  })));
  const index = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociIndex,
    manifests: [{ ...desc(MEDIA.ociManifest, manifest), platform: { architecture: s.arch, os: 'linux' }, annotations }], annotations,
  })));
  return { blobs: [config, kernel, initramfs], manifest, index };
}
