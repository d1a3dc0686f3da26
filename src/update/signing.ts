/**
 * Ed25519 as the Go agent uses it (UPSTREAM.md §4.2): the public key file holds the raw 32-byte
 * key in hex (64 chars, whitespace trimmed); a `.sig` is the raw 64-byte signature or its hex
 * (128 chars); the message is the file's exact bytes. node:crypto only.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

// The DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32 key bytes follow it.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function publicKeyFromHex(text: string, file: string): KeyObject {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error(`${file}: an Ed25519 public key is 64 hex characters (32 bytes), got ${hex.length} characters`);
  }
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

export function publicKeyHex(key: KeyObject): string {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_PREFIX.length).toString('hex');
}

/** A signature from a `.sig` file's bytes, or null when it is neither form. */
export function parseSignature(b: Buffer): Buffer | null {
  if (b.length === 64) return b;
  const t = b.toString('latin1').trim();
  return /^[0-9a-fA-F]{128}$/.test(t) ? Buffer.from(t, 'hex') : null;
}

export function verifySignature(message: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

export function generateKeys(): { privatePem: string; publicHex: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, publicHex: publicKeyHex(publicKey) };
}

export function signWith(privatePem: string, message: Buffer): Buffer {
  return sign(null, message, createPrivateKey(privatePem));
}

/** A short, stable name for a public key: the log keeps statement serials per key. */
export const keyId = (key: KeyObject): string => createHash('sha256').update(publicKeyHex(key)).digest('hex').slice(0, 16);
