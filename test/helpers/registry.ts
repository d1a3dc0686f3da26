/**
 * A real registry for the OCI tests: Debian's docker-registry (the CNCF distribution registry,
 * 2.8) on 127.0.0.1, open, with htpasswd basic auth, or with token auth against a small token
 * issuer run here (ES256 JWTs carrying the issuer's certificate in x5c). One auth provider per
 * instance, as the registry allows. Artifacts are put in with skopeo from an OCI layout
 * written here, so the registry's content is made by an independent client.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { MEDIA } from '../../src/update/oci/manifest.js';
import { tmpDir } from './tmp.js';

export const haveRegistryTools = () => ['docker-registry', 'skopeo', 'htpasswd', 'openssl'].filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);

const freePort = () => new Promise<number>((resolve) => {
  const s = netServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
});

const answers = (url: string) => new Promise<boolean>((resolve) => {
  request(url, (res) => { res.resume(); resolve(true); }).on('error', () => resolve(false)).end();
});

export interface TokenIssuer { url: string; requests: Array<{ scope: string | null; service: string | null; authorization: string | null }>; close(): Promise<void> }

export interface TestRegistry {
  host: string;
  dir: string;
  issuer: TokenIssuer | null;
  close(): Promise<void>;
}

/** A token issuer for `service`, signing with a fresh P-256 key whose certificate the registry trusts. */
async function startIssuer(dir: string, service: string): Promise<{ issuer: TokenIssuer; cert: string }> {
  const key = join(dir, 'token.key'), cert = join(dir, 'token.crt');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=ksu-test-issuer'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  const signer = createPrivateKey(readFileSync(key));
  const x5c = new X509Certificate(readFileSync(cert)).raw.toString('base64');
  const b64u = (b: string | Buffer) => Buffer.from(b).toString('base64url');
  const requests: TokenIssuer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const scope = u.searchParams.get('scope');
    requests.push({ scope, service: u.searchParams.get('service'), authorization: req.headers.authorization ?? null });
    const [, name, actions] = scope?.split(':') ?? [];
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64u(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [x5c] }))}.${b64u(JSON.stringify({
      iss: 'ksu-test-issuer', sub: 'anyone', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: createHash('sha256').update(String(Math.random())).digest('hex'),
      access: name ? [{ type: 'repository', name, actions: (actions ?? '').split(',').filter(Boolean) }] : [],
    }))}`;
    const sig = sign('sha256', Buffer.from(input), { key: signer, dsaEncoding: 'ieee-p1363' });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token: `${input}.${b64u(sig)}` }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { cert, issuer: { url: `http://127.0.0.1:${port}/token`, requests, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) } };
}

export async function startRegistry(auth: 'open' | 'basic' | 'token', users: Record<string, string> = {}): Promise<TestRegistry> {
  const dir = tmpDir('ksu-registry-');
  const port = await freePort();
  let authConf = '';
  let issuer: TokenIssuer | null = null;
  if (auth === 'basic') {
    const lines = Object.entries(users).map(([u, p]) => spawnSync('htpasswd', ['-Bbn', u, p], { encoding: 'utf8' }).stdout.trim());
    writeFileSync(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
    authConf = `auth:\n  htpasswd:\n    realm: ksu-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    const t = await startIssuer(dir, 'ksu-test-registry');
    issuer = t.issuer;
    authConf = `auth:\n  token:\n    realm: ${issuer.url}\n    service: ksu-test-registry\n    issuer: ksu-test-issuer\n    rootcertbundle: ${t.cert}\n`;
  }
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: ksu-test\n${authConf}`);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  for (let i = 0; i < 200 && !(await answers(`http://127.0.0.1:${port}/v2/`)); i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`, dir, issuer,
    async close() {
      child.kill('SIGTERM');
      await issuer?.close();
    },
  };
}

export interface Artifact { kernel: Buffer; initramfs: Buffer; annotations: Record<string, string>; arch?: string }

/**
 * Writes an OCI layout (index → one manifest per artifact) and copies it to `dest` with skopeo;
 * with `single`, the tag names the first artifact's manifest itself, no index.
 * Asynchronous: the token issuer skopeo asks runs in this process.
 */
export async function pushWithSkopeo(artifacts: Artifact[], dest: string, tag: string, creds?: string, opts: { single?: boolean } = {}): Promise<void> {
  const dir = join(tmpDir('ksu-oci-layout-'), 'layout');
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const blob = (b: Buffer) => {
    const d = createHash('sha256').update(b).digest('hex');
    writeFileSync(join(dir, 'blobs/sha256', d), b);
    return { digest: `sha256:${d}`, size: b.length };
  };
  const config = blob(Buffer.from('{}'));
  const manifests = artifacts.map((a) => ({
    mediaType: MEDIA.ociManifest,
    ...blob(Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: MEDIA.kernel, ...blob(a.kernel) }, { mediaType: MEDIA.initramfs, ...blob(a.initramfs) }],
      annotations: a.annotations,
    }))),
    platform: { architecture: a.arch ?? 'amd64', os: 'linux' },
  }));
  const index = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests })));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const top = opts.single ? { mediaType: MEDIA.ociManifest, digest: manifests[0].digest, size: manifests[0].size } : { mediaType: MEDIA.ociIndex, ...index };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  const child = spawn('skopeo', ['copy', '--all', '--quiet', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []), `oci:${dir}:${tag}`, `docker://${dest}:${tag}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`skopeo copy exited ${code}: ${err}`);
}

/** `skopeo inspect --raw`: the manifest or index bytes as an independent client reads them (async: see pushWithSkopeo). */
export async function skopeoInspectRaw(ref: string, creds?: string): Promise<string> {
  const child = spawn('skopeo', ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${ref}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`skopeo inspect exited ${code}: ${err}`);
  return out;
}
