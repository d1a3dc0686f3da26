/**
 * latest.json: the Go agent's fields (UPSTREAM.md §4.1) plus our optional sizes, validated
 * strictly — every known field of the wrong type or shape is refused with its name — and with
 * relative URLs resolved against latest.json's own URL. Unknown fields are ignored (newer
 * servers add them). Pure.
 */
import { parseVersion } from '../domain/version.js';

/** latest.json is small; anything past this is not metadata. */
export const METADATA_CAP = 1024 * 1024;
const SIZE_CAP = 64 * 1024 ** 3;

export type ArtifactName = 'vmlinuz' | 'kubesolo-os.gz';

export interface ReleaseArtifact { name: ArtifactName; url: string; sha256: string; sigUrl: string | null; size: number | null }

export interface Release {
  version: string;
  artifacts: [ReleaseArtifact, ReleaseArtifact];
  metadataSigUrl: string | null;
  releaseNotes: string | null;
  releaseDate: string | null;
  channel: string | null;
  minCompatibleVersion: string | null;
  architecture: string | null;
}

export class MetadataError extends Error {}
/** The bytes are not JSON at all (an HTML page, a directory listing): the fetcher says what came. */
export class NotJson extends MetadataError {}

function field(o: Record<string, unknown>, key: string, required: boolean): string | null {
  const v = o[key];
  if (v === undefined || v === null || (v === '' && !required)) {
    if (required) throw new MetadataError(`latest.json: "${key}" is missing`);
    return null;
  }
  if (typeof v !== 'string') throw new MetadataError(`latest.json: "${key}" must be a string, not ${Array.isArray(v) ? 'an array' : typeof v}`);
  if (required && v.trim() === '') throw new MetadataError(`latest.json: "${key}" is empty`);
  return v;
}

function url(o: Record<string, unknown>, key: string, base: string, required: boolean): string | null {
  const raw = field(o, key, required);
  if (raw === null) return null;
  let u: URL;
  try { u = new URL(raw, base); } catch { throw new MetadataError(`latest.json: "${key}" is not a URL: ${JSON.stringify(raw.slice(0, 100))}`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MetadataError(`latest.json: "${key}" must be an http or https URL, not ${u.protocol}`);
  return u.href;
}

function sha(o: Record<string, unknown>, key: string): string {
  const v = field(o, key, true)!;
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new MetadataError(`latest.json: "${key}" must be 64 hex characters (a SHA-256), got ${v.length} characters`);
  return v.toLowerCase();
}

function size(o: Record<string, unknown>, key: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > SIZE_CAP) throw new MetadataError(`latest.json: "${key}" must be a whole number of bytes up to 64 GiB`);
  return v;
}

/** Parses and validates latest.json as served from `baseUrl`. Throws MetadataError naming the field. */
export function parseMetadata(bytes: Buffer, baseUrl: string): Release {
  if (bytes.length > METADATA_CAP) throw new MetadataError(`latest.json is larger than ${METADATA_CAP} bytes`);
  let o: unknown;
  try { o = JSON.parse(bytes.toString('utf8')); } catch { throw new NotJson('latest.json is not JSON'); }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new MetadataError('latest.json must be a JSON object');
  const m = o as Record<string, unknown>;
  const version = field(m, 'version', true)!;
  if (!parseVersion(version)) throw new MetadataError(`latest.json: "version" is not a version: ${JSON.stringify(version.slice(0, 50))}`);
  const min = field(m, 'min_compatible_version', false);
  if (min !== null && !parseVersion(min)) throw new MetadataError(`latest.json: "min_compatible_version" is not a version: ${JSON.stringify(min.slice(0, 50))}`);
  return {
    version,
    artifacts: [
      { name: 'vmlinuz', url: url(m, 'vmlinuz_url', baseUrl, true)!, sha256: sha(m, 'vmlinuz_sha256'), sigUrl: url(m, 'vmlinuz_sig_url', baseUrl, false), size: size(m, 'vmlinuz_size') },
      { name: 'kubesolo-os.gz', url: url(m, 'initramfs_url', baseUrl, true)!, sha256: sha(m, 'initramfs_sha256'), sigUrl: url(m, 'initramfs_sig_url', baseUrl, false), size: size(m, 'initramfs_size') },
    ],
    metadataSigUrl: url(m, 'metadata_sig_url', baseUrl, false),
    releaseNotes: field(m, 'release_notes', false),
    releaseDate: field(m, 'release_date', false),
    channel: field(m, 'channel', false),
    minCompatibleVersion: min,
    architecture: field(m, 'architecture', false),
  };
}

/**
 * latest.json's signed statement, as `release` writes it: `statement` (the exact JSON text that
 * was signed) and `statement_sig` (hex). Go agents ignore both. Null when the file has neither.
 */
export function statementFields(bytes: Buffer): { text: Buffer; sig: string } | null {
  const m = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const text = m.statement, sig = m.statement_sig;
  if (text === undefined && sig === undefined) return null;
  if (typeof text !== 'string' || typeof sig !== 'string') throw new MetadataError('latest.json: "statement" and "statement_sig" must both be strings');
  return { text: Buffer.from(text), sig };
}
