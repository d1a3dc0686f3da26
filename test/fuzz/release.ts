/**
 * Valid inputs for the update targets, from our own writers: `kubesolo-update release` with a
 * fixed key (a real latest.json, latest.json.sig and artifact .sig files), plus latest.json
 * objects of the same shape with random versions, URLs and optional fields. And a local HTTP
 * server whose routes hand out one case's bytes each, for `check` through the CLI.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { publicKeyHex, signWith } from '../../src/update/signing.js';
import { cliSync } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import type { Rng } from './prng.js';

export interface RealRelease {
  dir: string;
  /** The key file a node reads (with allow_legacy_signature=1: this latest.json has no statement). */
  pub: string;
  pubHex: string;
  privatePem: string;
  latest: Buffer;
  latestSig: Buffer;
}

let made: RealRelease | null = null;

// A fixed Ed25519 key (PKCS#8 around a fixed 32-byte seed), so every run signs the same bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const KEY_SEED = Buffer.from('kubesolo-update fuzz: test key..'); // 32 bytes; a test key, not a secret

/** One release written by `kubesolo-update release`, made once per process, the same every run. */
export function realRelease(): RealRelease {
  if (made) return made;
  const work = tmpDir('ksu-fuzz-release-');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, KEY_SEED]), format: 'der', type: 'pkcs8' });
  const privatePem = key.export({ format: 'pem', type: 'pkcs8' }) as string;
  const pubHex = publicKeyHex(createPublicKey(key));
  writeFileSync(join(work, 'update.key'), privatePem);
  writeFileSync(join(work, 'update.pub'), `${pubHex}\n`);
  writeFileSync(join(work, 'kernel'), Buffer.alloc(3000, 7));
  writeFileSync(join(work, 'initramfs'), Buffer.alloc(5000, 9));
  const dir = join(work, 'release');
  const r = cliSync(['release', '--version', 'v1.1.0', '--kernel', join(work, 'kernel'), '--initramfs', join(work, 'initramfs'), '--key', join(work, 'update.key'),
    '--out', dir, '--channel', 'stable', '--notes', 'fuzz corpus', '--min-compatible', 'v1.0.0']);
  if (r.code !== 0) throw new Error(`release failed: ${r.stderr}`);
  // What changes between runs is the release date and the statement (its serial and times): fix the
  // date, and keep the Go-era shape the fuzzers mutate — latest.json signed whole, no statement
  // (the statement has its own fuzz target, fuzz/statement) — then sign again.
  const meta = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Record<string, unknown>;
  delete meta.statement; delete meta.statement_sig;
  const latest = Buffer.from(`${JSON.stringify(meta, null, 2)}\n`.replace(/"release_date": "[^"]*"/, '"release_date": "2026-11-24T18:57:04.03Z"'));
  const latestSig = Buffer.from(signWith(privatePem, latest).toString('hex'));
  writeFileSync(join(dir, 'latest.json'), latest);
  writeFileSync(join(dir, 'latest.json.sig'), latestSig);
  made = { dir, pub: join(work, 'update.pub'), pubHex, privatePem, latest, latestSig };
  return made;
}

const hex = (r: Rng, n: number) => r.bytes(n / 2).toString('hex');

export function randomVersion(r: Rng): string {
  return r.pick(['', 'v']) + [r.int(20), r.int(20), r.int(50)].slice(0, r.range(1, 3)).join('.')
    + (r.chance(0.2) ? `-${r.pick(['rc1', 'rc.2', 'beta.1.x', '0'])}` : '') + (r.chance(0.1) ? '+build.5' : '');
}

/** A latest.json object in the shape `release` writes (UPSTREAM.md §4.1 plus our sizes). */
export function latestObject(r: Rng): Record<string, unknown> {
  const base = r.pick(['', '', 'https://updates.example/stable/', 'http://127.0.0.1:8080/r/']);
  const meta: Record<string, unknown> = { version: randomVersion(r) };
  for (const [name, prefix] of [['vmlinuz', 'vmlinuz'], ['kubesolo-os.gz', 'initramfs']]) {
    meta[`${prefix}_url`] = `${base}${name}`;
    meta[`${prefix}_sha256`] = r.chance(0.2) ? hex(r, 64).toUpperCase() : hex(r, 64);
    if (r.chance(0.8)) meta[`${prefix}_sig_url`] = `${base}${name}.sig`;
    if (r.chance(0.8)) meta[`${prefix}_size`] = r.pick([0, 1, r.int(1e9), 64 * 1024 ** 3]);
  }
  if (r.chance(0.8)) meta.metadata_sig_url = `${base}latest.json.sig`;
  if (r.chance(0.8)) meta.release_date = '2026-11-24T18:57:04.03Z';
  if (r.chance(0.5)) meta.release_notes = r.pick(['', 'fixes', 'line one\nline two', '\u4e2d\u6587']);
  if (r.chance(0.5)) meta.channel = r.pick(['stable', 'beta', '']);
  if (r.chance(0.3)) meta.min_compatible_version = randomVersion(r);
  if (r.chance(0.3)) meta.architecture = r.pick(['amd64', 'arm64', '']);
  if (r.chance(0.1)) meta.future_field = { nested: [1, 2, 3] };
  return meta;
}

/** A server on 127.0.0.1 answering GET /<case>/<name> from `files(case)`, 404 otherwise. */
export async function caseServer(files: (index: number) => Record<string, Buffer>): Promise<{ url: (index: number) => string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const m = /^\/(\d+)\/([^/?]+)$/.exec(req.url ?? '');
    const body = m ? files(Number(m[1]))[m[2]] : undefined;
    if (!body) { res.statusCode = 404; res.end('not found'); return; }
    res.setHeader('content-length', body.length);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (index) => `http://127.0.0.1:${port}/${index}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
