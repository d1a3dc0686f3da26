/**
 * The effective configuration: flag > update.conf > default, with where each value came from.
 * update.conf is `key=value` lines, `#` comments, whitespace trimmed, no quoting (as the Go
 * agent reads it); a missing file is fine; unknown keys are reported once and ignored. A bad
 * value is a configuration error (exit 2) naming `<file>:<line>`.
 */
import { readFileSync } from 'node:fs';
import { AgentError } from '../errors.js';
import { KEYS, flagOf, specOf, type KeySpec } from './schema.js';

export type Source = 'flag' | 'file' | 'default';
/** `where`: the flag, or the file and line, a value came from (for messages that name it). */
export interface Setting { key: string; value: string | number | string[] | null; source: Source; where: string }
export interface Config { settings: Setting[]; file: string; fileFound: boolean; warnings: string[] }

function convert(spec: KeySpec, raw: string, where: string): string | number | string[] {
  switch (spec.type) {
    case 'int': {
      const n = Number(raw);
      if (raw === '' || !Number.isSafeInteger(n) || n < 0) throw new AgentError('USAGE', `${where}: ${spec.key} must be a whole number (0 or more), not ${JSON.stringify(raw)}`);
      return n;
    }
    case 'url': {
      let u: URL | null = null;
      try { u = new URL(raw); } catch { /* said below */ }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new AgentError('USAGE', `${where}: ${spec.key} must be an http:// or https:// URL, not ${JSON.stringify(raw)}`);
      return raw;
    }
    case 'list': return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return 1;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return 0;
      throw new AgentError('USAGE', `${where}: ${spec.key} must be 0 or 1 (or true/false), not ${JSON.stringify(raw)}`);
    }
    case 'strings': return [raw];
    default: return raw;
  }
}

/** Parses update.conf text. Pure; `file` only names it in messages. */
export function parseConf(text: string, file: string): { values: Map<string, string | number | string[]>; lines: Map<string, number>; warnings: string[] } {
  const values = new Map<string, string | number | string[]>();
  const lines = new Map<string, number>();
  const warnings: string[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new AgentError('USAGE', `${where}: expected key=value, got ${JSON.stringify(t)}`);
    const key = t.slice(0, eq).trim();
    const spec = specOf(key);
    if (!spec) {
      warnings.push(`${where}: unknown key ${JSON.stringify(key)} ignored`);
      return;
    }
    const v = convert(spec, t.slice(eq + 1).trim(), where);
    const prev = values.get(key);
    values.set(key, spec.type === 'strings' && Array.isArray(prev) ? [...prev, ...(v as string[])] : v);
    lines.set(key, i + 1);
  });
  return { values, lines, warnings };
}

/** Merges flags (parseArgs values, by flag name) over the file over the defaults. */
export function loadConfig(file: string, flags: Record<string, unknown>): Config {
  let text = '';
  let fileFound = true;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AgentError('USAGE', `cannot read ${file}: ${(err as Error).message}`);
    fileFound = false;
  }
  const { values, lines, warnings } = parseConf(text, file);
  const settings = KEYS.map((spec): Setting => {
    const flag = flags[flagOf(spec.key)];
    if (flag !== undefined) {
      const raws = Array.isArray(flag) ? flag.map(String) : [String(flag)];
      const value = spec.type === 'strings' ? raws : convert(spec, raws[raws.length - 1], `--${flagOf(spec.key)}`);
      return { key: spec.key, value, source: 'flag', where: `--${flagOf(spec.key)}` };
    }
    if (values.has(spec.key)) return { key: spec.key, value: values.get(spec.key)!, source: 'file', where: `${file}:${lines.get(spec.key)}` };
    return { key: spec.key, value: spec.default, source: 'default', where: 'the default' };
  });
  return { settings, file, fileFound, warnings };
}

export function setting<T>(c: Config, key: string): T {
  return c.settings.find((s) => s.key === key)!.value as T;
}

/** Where a setting's value came from, in words: `--checks`, `/etc/kubesolo/update.conf:3`. */
export function whereOf(c: Config, key: string): string {
  return c.settings.find((s) => s.key === key)!.where;
}
