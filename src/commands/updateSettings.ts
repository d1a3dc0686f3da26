/** What check and apply both read first: update.conf and flags, the server, the key, the gates' settings. */
import { loadConfig, setting } from '../config/load.js';
import type { GateSettings } from '../domain/apply.js';
import { goArch } from '../domain/gates.js';
import { usage } from '../errors.js';
import { loadPublicKey } from '../update/fetchRelease.js';
import type { CliContext } from './command.js';

export function updateSettings(ctx: CliContext, values: Record<string, unknown>) {
  const conf = loadConfig(ctx.paths.conf, values);
  for (const w of conf.warnings) ctx.warn(`warning: ${w}`);
  const server = setting<string | null>(conf, 'server');
  if (!server) throw usage(`no update server: set server= in ${ctx.paths.conf} or pass --server URL`);
  const key = loadPublicKey(setting<string | null>(conf, 'pubkey'));
  if (!key) ctx.warn('warning: no public key configured (pubkey=): the authenticity of updates is not checked');
  const gates: GateSettings = {
    channel: setting<string | null>(conf, 'channel'), arch: goArch(process.arch),
    allowDowngrade: setting<number>(conf, 'allow_downgrade') === 1, allowRejected: values['allow-rejected'] === true,
  };
  return { conf, server, key, gates, idleMs: setting<number>(conf, 'http_timeout') * 1000 };
}
