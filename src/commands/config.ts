import { loadConfig } from '../config/load.js';
import { KEYS, flagOf } from '../config/schema.js';
import type { Command, OptionSpec } from './command.js';

/** Every setting as a flag, for the commands that take them. */
export const CONFIG_OPTIONS: OptionSpec = Object.fromEntries(KEYS.map((k) => [flagOf(k.key),
  k.type === 'bool' ? { type: 'boolean' } : { type: 'string', multiple: k.type === 'strings' }]));

const show = (v: unknown) => (v === null ? '(unset)' : Array.isArray(v) ? (v.length ? v.join(',') : '(none)') : String(v));

export const config: Command = {
  name: 'config',
  usage: 'config [--json] [--KEY VALUE ...]',
  help: `Shows every setting with its effective value and its source: a flag, update.conf
(--conf, default /etc/kubesolo/update.conf) or the default. Precedence: flag > file > default.
Each key x_y in update.conf is the flag --x-y.

${KEYS.map((k) => `  ${k.key.padEnd(20)} --${flagOf(k.key).padEnd(20)} ${k.help}`).join('\n')}

update.conf: key=value lines, # comments, no quoting; a missing file is fine; unknown keys are
warned about and ignored.`,
  options: CONFIG_OPTIONS,
  async run({ values }, ctx) {
    const c = loadConfig(ctx.paths.conf, values);
    for (const w of c.warnings) ctx.warn(`warning: ${w}`);
    if (ctx.json) {
      ctx.out(JSON.stringify({ file: c.file, file_found: c.fileFound, settings: Object.fromEntries(c.settings.map((s) => [s.key, { value: s.value, source: s.source }])) }));
      return 0;
    }
    const w = Math.max(...c.settings.map((s) => s.key.length));
    ctx.out([`# ${c.file}${c.fileFound ? '' : ' (not found: defaults apply)'}`,
      ...c.settings.map((s) => `${s.key.padEnd(w)} = ${show(s.value)}    (${s.source})`)].join('\n'));
    return 0;
  },
};
