import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeys } from '../update/signing.js';
import { AgentError, usage } from '../errors.js';
import type { Command } from './command.js';

export const keygen: Command = {
  name: 'keygen',
  usage: 'keygen --out DIR',
  help: `Writes DIR/update.key (the private key, PKCS#8 PEM, mode 0600: keep it off the nodes) and
DIR/update.pub (the public key as 64 hex characters: what nodes read with --pubkey / pubkey=).
Refuses to overwrite either file.`,
  options: { out: { type: 'string' } },
  async run({ values }, ctx) {
    const out = values.out as string | undefined;
    if (!out) throw usage('keygen needs --out DIR');
    const key = join(out, 'update.key'), pub = join(out, 'update.pub');
    for (const f of [key, pub]) if (existsSync(f)) throw new AgentError('REFUSED', `${f} exists; refusing to overwrite a key (move it away first)`);
    mkdirSync(out, { recursive: true });
    const k = generateKeys();
    writeFileSync(key, k.privatePem, { mode: 0o600 });
    writeFileSync(pub, `${k.publicHex}\n`);
    ctx.out(ctx.json ? JSON.stringify({ private_key: key, public_key: pub, public_hex: k.publicHex }) : `private key: ${key} (keep it secret)\npublic key:  ${pub}\n${k.publicHex}`);
    return 0;
  },
};
