import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../events/systemClock.js';
import { isoTime } from '../../projections/isoTime.js';
import { goArch } from '../domain/gates.js';
import { parseVersion } from '../domain/version.js';
import { AgentError, usage } from '../errors.js';
import { loadCredentials } from '../update/fetchOffer.js';
import { pushRelease } from '../update/oci/publish.js';
import { parseReference, ReferenceError, formatRef } from '../update/oci/reference.js';
import { signStatement, statementOf, type StatementSpec } from '../update/releaseStatement.js';
import { signWith } from '../update/signing.js';
import { serverSource } from '../update/statement.js';
import type { Command } from './command.js';

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const EXPIRES_DAYS = 30;

/** The default serial: the publication time as the number YYYYMMDDhhmmss (UTC), readable and growing. */
const serialAt = (ms: number): number => Number(new Date(ms).toISOString().replace(/\D/g, '').slice(0, 14));

/** Where a publisher's registry login is, as docker and skopeo keep it. */
function dockerConfigPath(flag: string | undefined): string | null {
  if (flag) return flag;
  const p = process.env.DOCKER_CONFIG ? join(process.env.DOCKER_CONFIG, 'config.json') : join(homedir(), '.docker', 'config.json');
  return existsSync(p) ? p : null;
}

export const release: Command = {
  name: 'release',
  usage: 'release --version V --kernel F --initramfs F --key K (--out DIR | --push HOST/REPO:TAG) [--channel C] [--arch A] [--serial N] [--expires-in DAYS] [--server URL] …',
  help: `Publishes a signed release, to a directory any web server can serve (--out), to an OCI
registry (--push), or both.

--out DIR writes latest.json (with sizes), vmlinuz and kubesolo-os.gz, each with a .sig file
(Ed25519, 128 hex chars) as the Go agent reads them, and in latest.json the signed statement
our agents require with a key: version, channel, architecture, the artifacts' SHA-256, a serial
and an expiry. URLs in latest.json are relative to it unless --base-url is given; Go agents need
absolute URLs.

--push HOST[:PORT]/REPO:TAG uploads the kernel and initramfs layers, the manifest and an image
index under TAG in the Go agent's layout, then the signed statement (binding the manifest's
digest) under TAG.kubesolo-statement.ARCH. Blobs the registry already has are skipped; large
ones go up in chunks. Credentials: --docker-config, else $DOCKER_CONFIG/config.json or
~/.docker/config.json ('auths' entries; never printed).

  --version V          the release version (e.g. v1.2.0)
  --kernel F           the kernel image (becomes vmlinuz)
  --initramfs F        the initramfs (becomes kubesolo-os.gz)
  --key K              the private key from 'kubesolo-update keygen'
  --channel C          default stable; --arch A: Go names (amd64, arm64), default this machine's
  --serial N           must grow with every publication (default: the time, YYYYMMDDhhmmss UTC); nodes
                       refuse a statement older than the newest they accepted
  --expires-in DAYS    default ${EXPIRES_DAYS}; nodes refuse an expired statement: re-publish before
  --server URL         the server URL nodes use (server=): binds the statement to it
  --min-compatible V, --notes TEXT, --base-url URL, --plain-http (registry over http: tests, closed sites)`,
  options: {
    version: { type: 'string' }, kernel: { type: 'string' }, initramfs: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' },
    channel: { type: 'string' }, arch: { type: 'string' }, 'min-compatible': { type: 'string' }, notes: { type: 'string' }, 'base-url': { type: 'string' },
    serial: { type: 'string' }, 'expires-in': { type: 'string' }, server: { type: 'string' },
    push: { type: 'string' }, 'docker-config': { type: 'string' }, 'plain-http': { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const v = (k: string) => values[k] as string | undefined;
    for (const k of ['version', 'kernel', 'initramfs', 'key']) if (!v(k)) throw usage(`release needs --${k}`);
    if (!v('out') && !v('push')) throw usage('release needs --out DIR, --push HOST/REPO:TAG, or both');
    if (!parseVersion(v('version')!)) throw usage(`--version ${JSON.stringify(v('version'))} is not a version (like v1.2.0)`);
    if (v('min-compatible') && !parseVersion(v('min-compatible')!)) throw usage(`--min-compatible is not a version`);
    const now = systemClock();
    const serial = v('serial') === undefined ? serialAt(now) : Number(v('serial'));
    if (!Number.isSafeInteger(serial) || serial < 1) throw usage('--serial takes a whole number from 1');
    const days = v('expires-in') === undefined ? EXPIRES_DAYS : Number(v('expires-in'));
    if (!Number.isFinite(days) || days <= 0 || days > 3650) throw usage('--expires-in takes a number of days, above 0 and at most 3650');
    let ref = null;
    if (v('push')) { try { ref = parseReference(v('push')!); } catch (e) { throw usage(`--push: ${(e as ReferenceError).message}`); } }
    let server: string | null = null;
    if (v('server')) { try { server = serverSource(new URL(v('server')!).href); } catch { throw usage(`--server ${JSON.stringify(v('server'))} is not a URL`); } }
    let pem: string;
    try { pem = readFileSync(v('key')!, 'utf8'); } catch (err) { throw usage(`cannot read the key ${v('key')}: ${(err as Error).message}`); }
    const credFile = ref ? dockerConfigPath(v('docker-config')) : null;
    const credentials = ref && credFile ? loadCredentials(credFile, ref.host, '--docker-config') : null;
    const kernel = readInput(v('kernel')!), initramfs = readInput(v('initramfs')!);
    const spec: StatementSpec = {
      source: server, version: v('version')!, channel: v('channel') ?? 'stable', architecture: v('arch') ?? goArch(process.arch),
      minCompatible: v('min-compatible') ?? null, serial, publishedMs: now, expiresInDays: days,
    };
    const result: Record<string, unknown> = { version: spec.version, serial };
    const lines: string[] = [];
    if (v('out')) {
      const out = v('out')!;
      result.latest = writeDirectory(out, v, pem, spec, now);
      result.out = out;
      lines.push(`release ${spec.version} written to ${out} (latest.json with its signed statement, serial ${serial}; vmlinuz, kubesolo-os.gz, each signed)`);
    }
    if (ref) {
      const pushed = await pushRelease({ ref, plainHttp: values['plain-http'] === true, credentials, idleMs: 60_000 }, {
        kernel, initramfs, version: spec.version, arch: spec.architecture, channel: spec.channel, minCompatible: spec.minCompatible,
        releaseNotes: v('notes') ?? null, releaseDate: isoTime(now),
      }, (manifest) => signStatement(statementOf({ ...spec, source: `${ref!.host}/${ref!.repository}` }, { manifest }), pem));
      result.pushed = { reference: formatRef(ref), manifest: pushed.manifest, index: pushed.index, statement_tag: pushed.statementTag, uploaded: pushed.uploaded.length, skipped: pushed.skipped.length };
      lines.push(`release ${spec.version} pushed to ${formatRef(ref)} (manifest ${pushed.manifest}; ${blobs(pushed.uploaded.length)} uploaded, ${pushed.skipped.length} already there); signed statement, serial ${serial}, under ${pushed.statementTag}`);
    }
    ctx.out(ctx.json ? JSON.stringify(result) : lines.join('\n'));
    return 0;
  },
};

const blobs = (n: number) => `${n} blob${n === 1 ? '' : 's'}`;

function readInput(path: string): Buffer {
  try { return readFileSync(path); } catch (err) { throw new AgentError('FAILED', `cannot read ${path}: ${(err as Error).message}`); }
}

function writeDirectory(out: string, v: (k: string) => string | undefined, pem: string, spec: StatementSpec, now: number): Record<string, unknown> {
  mkdirSync(out, { recursive: true });
  const base = v('base-url') ? v('base-url')!.replace(/\/?$/, '/') : '';
  const meta: Record<string, unknown> = { version: spec.version };
  for (const [flag, name, prefix] of [['kernel', 'vmlinuz', 'vmlinuz'], ['initramfs', 'kubesolo-os.gz', 'initramfs']] as const) {
    const src = v(flag)!;
    try { copyFileSync(src, join(out, name)); } catch (err) { throw new AgentError('FAILED', `cannot copy ${src}: ${(err as Error).message}`); }
    writeFileSync(join(out, `${name}.sig`), signWith(pem, readFileSync(join(out, name))).toString('hex'));
    Object.assign(meta, {
      [`${prefix}_url`]: `${base}${name}`, [`${prefix}_sha256`]: sha256File(join(out, name)),
      [`${prefix}_sig_url`]: `${base}${name}.sig`, [`${prefix}_size`]: statSync(join(out, name)).size,
    });
  }
  Object.assign(meta, { metadata_sig_url: `${base}latest.json.sig`, release_date: isoTime(now) });
  if (v('notes')) meta.release_notes = v('notes');
  if (v('channel')) meta.channel = v('channel');
  if (v('min-compatible')) meta.min_compatible_version = v('min-compatible');
  if (v('arch')) meta.architecture = v('arch');
  const st = signStatement(statementOf(spec, { artifacts: { vmlinuz: meta.vmlinuz_sha256 as string, 'kubesolo-os.gz': meta.initramfs_sha256 as string } }), pem);
  Object.assign(meta, { statement: st.text.toString('utf8'), statement_sig: st.signatureHex });
  const json = Buffer.from(`${JSON.stringify(meta, null, 2)}\n`);
  writeFileSync(join(out, 'latest.json'), json);
  writeFileSync(join(out, 'latest.json.sig'), signWith(pem, json).toString('hex'));
  return meta;
}
