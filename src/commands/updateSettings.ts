/** What check and apply both read first: update.conf and flags, where releases come from, the key, the gates' settings. */
import { loadConfig, setting } from '../config/load.js';
import type { GateSettings } from '../domain/apply.js';
import { goArch } from '../domain/gates.js';
import { chooseSource } from '../config/source.js';
import { prepareSource } from '../update/fetchOffer.js';
import { loadPublicKey } from '../update/fetchRelease.js';
import type { CliContext } from './command.js';

export function updateSettings(ctx: CliContext, values: Record<string, unknown>) {
  const conf = loadConfig(ctx.paths.conf, values);
  for (const w of conf.warnings) ctx.warn(`warning: ${w}`);
  const source = prepareSource(chooseSource(conf));
  const key = loadPublicKey(setting<string | null>(conf, 'pubkey'));
  if (!key) ctx.warn('warning: no public key configured (pubkey=): the authenticity of updates is not checked');
  const gates: GateSettings = {
    channel: setting<string | null>(conf, 'channel'), arch: goArch(process.arch),
    allowDowngrade: setting<number>(conf, 'allow_downgrade') === 1, allowRejected: values['allow-rejected'] === true,
  };
  const allowLegacy = setting<number>(conf, 'allow_legacy_signature') === 1;
  return { conf, source, key, gates, allowLegacy, idleMs: setting<number>(conf, 'http_timeout') * 1000 };
}
