/**
 * The Go agent's OCI layout (UPSTREAM.md §4.3), read strictly: a tag names an image index (the
 * manifest for this node's architecture is chosen) or a single manifest whose architecture
 * matches; its layers of our two media types are the kernel and the initramfs; the
 * io.kubesolo.os.* annotations are latest.json's fields. Every refusal names what was found.
 * Sizes are capped before parsing: a registry could answer with anything. Pure.
 */

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  kernel: 'application/vnd.kubesolo.os.kernel.v1+octet-stream',
  initramfs: 'application/vnd.kubesolo.os.initramfs.v1+gzip',
} as const;

/** What Accept asks for when resolving a tag: both index kinds and both manifest kinds. */
export const ACCEPT_MANIFESTS = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

/** distribution's own limit for a manifest is 4 MiB; anything larger is not one of ours. */
export const MANIFEST_CAP = 4 * 1024 * 1024;

export const ANNOTATION = {
  version: 'io.kubesolo.os.version',
  channel: 'io.kubesolo.os.channel',
  minCompatible: 'io.kubesolo.os.min_compatible_version',
  architecture: 'io.kubesolo.os.architecture',
  releaseNotes: 'io.kubesolo.os.release_notes',
  releaseDate: 'io.kubesolo.os.release_date',
} as const;

export class ManifestError extends Error {}

export interface Descriptor { mediaType: string; digest: string; size: number; architecture: string | null; annotations: Record<string, string> }

export type Resolved =
  | { kind: 'index'; manifests: Descriptor[]; annotations: Record<string, string> }
  | { kind: 'manifest'; layers: Descriptor[]; annotations: Record<string, string> };

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ManifestError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function annotations(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = object(v, `${what}'s annotations`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== 'string') throw new ManifestError(`${what}: annotation ${JSON.stringify(k)} is not a string`);
    out[k] = x;
  }
  return out;
}

function descriptor(v: unknown, what: string): Descriptor {
  const o = object(v, what);
  const { mediaType, digest, size } = o;
  if (typeof mediaType !== 'string') throw new ManifestError(`${what} has no mediaType`);
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new ManifestError(`${what}: digest ${JSON.stringify(String(digest).slice(0, 80))} is not sha256:<64 hex> (the only algorithm this agent verifies)`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ManifestError(`${what}: size is not a whole number of bytes`);
  const platform = o.platform === undefined ? undefined : object(o.platform, `${what}'s platform`);
  const architecture = typeof platform?.architecture === 'string' ? platform.architecture : null;
  return { mediaType, digest, size, architecture, annotations: annotations(o.annotations, what) };
}

/**
 * What a tag or digest resolved to, from the bytes and the Content-Type the registry sent.
 * The mediaType inside the document wins when present; a document that says neither is refused.
 */
export function parseManifest(bytes: Buffer, contentType: string | null): Resolved {
  if (bytes.length > MANIFEST_CAP) throw new ManifestError(`the manifest is ${bytes.length} bytes, over the ${MANIFEST_CAP}-byte limit`);
  let doc: unknown;
  try { doc = JSON.parse(bytes.toString('utf8')); } catch { throw new ManifestError(`the manifest is not JSON${contentType ? ` (the registry answered ${JSON.stringify(contentType)})` : ''}`); }
  const o = object(doc, 'the manifest');
  const type = typeof o.mediaType === 'string' ? o.mediaType : (contentType ?? '').split(';')[0].trim();
  const isIndex = type === MEDIA.ociIndex || type === MEDIA.dockerList;
  // The type first: a Docker schema 1 manifest or an image config is named as what it is.
  if (!isIndex && type !== MEDIA.ociManifest && type !== MEDIA.dockerManifest) throw new ManifestError(`the registry answered a ${JSON.stringify(type || 'document without a media type')}, not an image index or manifest`);
  if (o.schemaVersion !== 2) throw new ManifestError(`the manifest has schemaVersion ${JSON.stringify(o.schemaVersion)}, not 2`);
  if (isIndex) {
    if (!Array.isArray(o.manifests)) throw new ManifestError('the image index has no manifests list');
    return { kind: 'index', manifests: o.manifests.map((m, i) => descriptor(m, `index entry ${i}`)), annotations: annotations(o.annotations, 'the index') };
  }
  if (!Array.isArray(o.layers)) throw new ManifestError('the manifest has no layers list');
  return { kind: 'manifest', layers: o.layers.map((l, i) => descriptor(l, `layer ${i}`)), annotations: annotations(o.annotations, 'the manifest') };
}

/** The index entry for `arch` (Go names: amd64, arm64); refused when there is none or more than one. */
export function chooseManifest(index: Extract<Resolved, { kind: 'index' }>, arch: string): Descriptor {
  const archOf = (d: Descriptor) => d.architecture ?? d.annotations[ANNOTATION.architecture] ?? null;
  const forArch = index.manifests.filter((d) => archOf(d) === arch);
  const found = forArch.filter((d) => d.mediaType === MEDIA.ociManifest || d.mediaType === MEDIA.dockerManifest);
  if (found.length === 1) return found[0];
  const offered = [...new Set(index.manifests.map((d) => archOf(d) ?? 'no architecture'))].join(', ') || 'nothing';
  if (found.length === 0 && forArch.length > 0) throw new ManifestError(`the image index's entry for ${arch} is a ${JSON.stringify(forArch[0].mediaType)}, not an image manifest`);
  if (found.length === 0) throw new ManifestError(`the image index has no manifest for ${arch} (it offers ${offered})`);
  throw new ManifestError(`the image index has ${found.length} manifests for ${arch}; refusing to guess which one`);
}

export interface OciRelease {
  version: string;
  channel: string | null;
  minCompatibleVersion: string | null;
  architecture: string | null;
  releaseNotes: string | null;
  releaseDate: string | null;
  kernel: Descriptor;
  initramfs: Descriptor;
}

/** The release a per-architecture manifest describes; a single manifest must name `arch`. */
export function releaseOf(m: Extract<Resolved, { kind: 'manifest' }>, arch: string, fromIndex: boolean): OciRelease {
  const a = m.annotations;
  const layer = (media: string, name: string) => {
    const l = m.layers.filter((d) => d.mediaType === media);
    if (l.length !== 1) throw new ManifestError(`the manifest has ${l.length} ${name} layers (${media}); it needs exactly one`);
    return l[0];
  };
  const version = a[ANNOTATION.version];
  if (!version) throw new ManifestError(`the manifest has no ${ANNOTATION.version} annotation`);
  const architecture = a[ANNOTATION.architecture] ?? null;
  if (!fromIndex && architecture !== arch) {
    throw new ManifestError(`the tag names a single manifest for ${architecture ?? 'no architecture'} (${ANNOTATION.architecture}); this node is ${arch}`);
  }
  return {
    version,
    channel: a[ANNOTATION.channel] ?? null,
    minCompatibleVersion: a[ANNOTATION.minCompatible] ?? null,
    architecture,
    releaseNotes: a[ANNOTATION.releaseNotes] ?? null,
    releaseDate: a[ANNOTATION.releaseDate] ?? null,
    kernel: layer(MEDIA.kernel, 'kernel'),
    initramfs: layer(MEDIA.initramfs, 'initramfs'),
  };
}
