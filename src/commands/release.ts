import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../events/systemClock.js';
import { isoTime } from '../../projections/isoTime.js';
import { AgentError, usage } from '../errors.js';
import { signWith } from '../update/signing.js';
import { parseVersion } from '../domain/version.js';
import type { Command } from './command.js';

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export const release: Command = {
  name: 'release',
  usage: 'release --version V --kernel F --initramfs F --key K --out DIR [--channel C] [--arch A] [--min-compatible V] [--notes TEXT] [--base-url URL]',
  help: `Writes a directory any web server can serve as <server>/: latest.json (with sizes, signed:
latest.json.sig), vmlinuz and kubesolo-os.gz with their .sig files (Ed25519, 128 hex chars).
URLs in latest.json are relative to it unless --base-url is given. The Go agent needs absolute
URLs: pass --base-url when Go agents read this server too.

  --version V          the release version (e.g. v1.2.0)
  --kernel F           the kernel image (becomes vmlinuz)
  --initramfs F        the initramfs (becomes kubesolo-os.gz)
  --key K              the private key from 'kubesolo-update keygen'
  --out DIR            where to write
  --channel C, --arch A (Go names: amd64, arm64), --min-compatible V, --notes TEXT, --base-url URL`,
  options: {
    version: { type: 'string' }, kernel: { type: 'string' }, initramfs: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' },
    channel: { type: 'string' }, arch: { type: 'string' }, 'min-compatible': { type: 'string' }, notes: { type: 'string' }, 'base-url': { type: 'string' },
  },
  async run({ values }, ctx) {
    const v = (k: string) => values[k] as string | undefined;
    for (const k of ['version', 'kernel', 'initramfs', 'key', 'out']) if (!v(k)) throw usage(`release needs --${k}`);
    if (!parseVersion(v('version')!)) throw usage(`--version ${JSON.stringify(v('version'))} is not a version (like v1.2.0)`);
    if (v('min-compatible') && !parseVersion(v('min-compatible')!)) throw usage(`--min-compatible is not a version`);
    let pem: string;
    try { pem = readFileSync(v('key')!, 'utf8'); } catch (err) { throw usage(`cannot read the key ${v('key')}: ${(err as Error).message}`); }
    const out = v('out')!;
    mkdirSync(out, { recursive: true });
    const base = v('base-url') ? v('base-url')!.replace(/\/?$/, '/') : '';
    const meta: Record<string, unknown> = { version: v('version') };
    for (const [flag, name, prefix] of [['kernel', 'vmlinuz', 'vmlinuz'], ['initramfs', 'kubesolo-os.gz', 'initramfs']] as const) {
      const src = v(flag)!;
      try { copyFileSync(src, join(out, name)); } catch (err) { throw new AgentError('FAILED', `cannot copy ${src}: ${(err as Error).message}`); }
      writeFileSync(join(out, `${name}.sig`), signWith(pem, readFileSync(join(out, name))).toString('hex'));
      Object.assign(meta, {
        [`${prefix}_url`]: `${base}${name}`, [`${prefix}_sha256`]: sha256File(join(out, name)),
        [`${prefix}_sig_url`]: `${base}${name}.sig`, [`${prefix}_size`]: statSync(join(out, name)).size,
      });
    }
    Object.assign(meta, { metadata_sig_url: `${base}latest.json.sig`, release_date: isoTime(systemClock()) });
    if (v('notes')) meta.release_notes = v('notes');
    if (v('channel')) meta.channel = v('channel');
    if (v('min-compatible')) meta.min_compatible_version = v('min-compatible');
    if (v('arch')) meta.architecture = v('arch');
    const json = Buffer.from(`${JSON.stringify(meta, null, 2)}\n`);
    writeFileSync(join(out, 'latest.json'), json);
    writeFileSync(join(out, 'latest.json.sig'), signWith(pem, json).toString('hex'));
    ctx.out(ctx.json ? JSON.stringify({ out, latest: meta }) : `release ${v('version')} written to ${out} (latest.json, vmlinuz, kubesolo-os.gz, each signed)`);
    return 0;
  },
};
