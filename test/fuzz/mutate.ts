/**
 * Mutations of valid inputs, after libFuzzer's mutators: bit flips, truncations, insertions,
 * deletions, duplicated regions, interesting integers written over the bytes (the huge lengths),
 * boundary numbers put in place of the numbers of a text, tokens from a per-target dictionary,
 * and splices of two inputs. Every operator is deterministic in its Rng.
 */
import type { Rng } from './prng.js';

/** Integers that break length and range checks: zero, one, sign and size boundaries. */
export const INTERESTING_U32 = [
  0, 1, 2, 0x3f, 0x40, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x400, 0x401, 0x7fff, 0x8000, 0xffff, 0x10000,
  0xfffff, 0x100000, 0x100001, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
];

/** Number spellings that break parsers of text: signs, exponents, overflow, not-a-number. */
export const BOUNDARY_NUMBERS = [
  '0', '-0', '1', '-1', '00', '01', '2147483647', '2147483648', '4294967295', '4294967296', '9007199254740991',
  '9007199254740992', '9007199254740993', '-9007199254740993', '1e308', '1e309', '-1e309', '1e-400', '0.5', '1.0',
  '1e3', '0x10', 'NaN', 'Infinity', '-Infinity', '1_000', ' 1', '1 ', '+1', '.5', '5.', '8640000000000001',
  '99999999999999999999999999999999999999', '', '3'.repeat(400),
];

export interface MutateOptions {
  /** Tokens worth inserting for this format (keywords, separators, field names). */
  dictionary?: readonly string[];
  /** Other valid inputs to splice with. */
  corpus?: readonly Buffer[];
  /** The largest input a mutation may make (repeated regions stop here). */
  maxSize?: number;
}

type Op = (b: Buffer, r: Rng, o: MutateOptions) => Buffer;

const at = (b: Buffer, r: Rng) => r.int(b.length + 1);

function splice(b: Buffer, start: number, end: number, insert: Buffer): Buffer {
  return Buffer.concat([b.subarray(0, start), insert, b.subarray(end)]);
}

function bitFlip(b: Buffer, r: Rng): Buffer {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  for (let n = r.range(1, 8); n > 0; n--) out[r.int(out.length)] ^= 1 << r.int(8);
  return out;
}

function byteSet(b: Buffer, r: Rng): Buffer {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  for (let n = r.range(1, 4); n > 0; n--) out[r.int(out.length)] = r.pick([0, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x20, 0x23, 0x3d, 0x5c, 0x22, 0xc1, r.int(256)]);
  return out;
}

function truncate(b: Buffer, r: Rng): Buffer {
  return b.subarray(0, r.int(b.length + 1));
}

function insertRandom(b: Buffer, r: Rng): Buffer {
  const p = at(b, r);
  return splice(b, p, p, r.bytes(r.size(64)));
}

function deleteRange(b: Buffer, r: Rng): Buffer {
  const p = at(b, r);
  return splice(b, p, Math.min(b.length, p + r.size(128)), Buffer.alloc(0));
}

function duplicate(b: Buffer, r: Rng, o: MutateOptions): Buffer {
  if (b.length === 0) return b;
  const s = r.int(b.length);
  const region = b.subarray(s, s + 1 + r.size(512));
  const times = r.chance(0.1) ? r.range(2, 1000) : 1;
  const max = o.maxSize ?? 1 << 20;
  const copies = Math.max(1, Math.min(times, Math.floor((max - b.length) / region.length)));
  const p = at(b, r);
  return splice(b, p, p, Buffer.concat(Array(copies).fill(region)));
}

function interestingInt(b: Buffer, r: Rng): Buffer {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  const v = r.pick(INTERESTING_U32);
  const width = r.pick([1, 2, 4, 8]);
  const p = r.int(Math.max(1, out.length - width + 1));
  if (p + width > out.length) return out;
  if (width === 1) out[p] = v & 0xff;
  else if (width === 2) (r.chance(0.5) ? out.writeUInt16LE(v & 0xffff, p) : out.writeUInt16BE(v & 0xffff, p));
  else if (width === 4) (r.chance(0.5) ? out.writeUInt32LE(v, p) : out.writeUInt32BE(v, p));
  else out.writeBigUInt64LE(r.chance(0.5) ? BigInt(v) : 0xffffffffffffffffn - BigInt(v), p);
  return out;
}

/** Replaces one run of digits (a number in a text format) with a boundary spelling. */
function boundaryNumber(b: Buffer, r: Rng): Buffer {
  const text = b.toString('latin1');
  const runs = [...text.matchAll(/-?\d+(\.\d+)?/g)];
  if (runs.length === 0) return b;
  const m = r.pick(runs);
  return splice(b, m.index!, m.index! + m[0].length, Buffer.from(r.pick(BOUNDARY_NUMBERS), 'latin1'));
}

function dictionaryToken(b: Buffer, r: Rng, o: MutateOptions): Buffer {
  if (!o.dictionary?.length) return insertRandom(b, r);
  const token = Buffer.from(r.pick(o.dictionary), 'utf8');
  const p = at(b, r);
  return r.chance(0.5) ? splice(b, p, p, token) : splice(b, p, Math.min(b.length, p + token.length), token);
}

function spliceCorpus(b: Buffer, r: Rng, o: MutateOptions): Buffer {
  if (!o.corpus?.length) return duplicate(b, r, o);
  const other = r.pick(o.corpus);
  const a = at(b, r), s = r.int(other.length + 1);
  return Buffer.concat([b.subarray(0, a), other.subarray(s)]);
}

const OPS: Array<[string, Op]> = [
  ['bitflip', bitFlip], ['byteset', byteSet], ['truncate', truncate], ['insert', insertRandom],
  ['delete', deleteRange], ['duplicate', duplicate], ['int', interestingInt], ['number', boundaryNumber],
  ['token', dictionaryToken], ['splice', spliceCorpus],
];

/** 1–4 stacked mutations of `b`; returns the bytes and the names of the operators applied. */
export function mutate(b: Buffer, r: Rng, o: MutateOptions = {}): { bytes: Buffer; ops: string[] } {
  let out = b;
  const ops: string[] = [];
  for (let n = r.chance(0.6) ? 1 : r.range(2, 4); n > 0; n--) {
    const [name, op] = r.pick(OPS);
    out = op(out, r, o);
    ops.push(name);
  }
  return { bytes: out, ops };
}

/** Random bytes of a random length, sometimes at a length the format singles out. */
export function randomBytes(r: Rng, special: readonly number[] = [], max = 4096): Buffer {
  const n = special.length && r.chance(0.3) ? r.pick(special) : r.size(max);
  return r.bytes(n);
}

/** Random text: printable ASCII, with the format's own tokens mixed in. */
export function randomText(r: Rng, dictionary: readonly string[] = [], max = 2048): Buffer {
  const parts: string[] = [];
  let len = 0;
  const target = r.size(max);
  while (len < target) {
    const s = dictionary.length && r.chance(0.3) ? r.pick(dictionary) : String.fromCharCode(...Array.from({ length: 1 + r.int(8) }, () => (r.chance(0.05) ? r.pick([9, 10, 13, 0, 0xe9]) : 32 + r.int(95))));
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join(''), 'utf8');
}
