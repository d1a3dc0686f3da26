/** Runs the built CLI once with the module trace preloaded and returns what it loaded. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliSync, type CliResult } from './cli.js';

const TRACE = fileURLToPath(new URL('./moduleTrace.js', import.meta.url));

export interface Traced extends CliResult {
  /** Every module URL the process loaded, in load order, without duplicates. */
  modules: string[];
  /** The npm packages among them, by name. */
  packages: Set<string>;
}

export function cliModules(args: string[]): Traced {
  const dir = mkdtempSync(join(tmpdir(), 'ksu-trace-'));
  try {
    const out = join(dir, 'modules.txt');
    const r = cliSync(args, { MODULE_TRACE_OUT: out }, ['--import', TRACE]);
    const modules = [...new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean))];
    const packages = new Set(modules.flatMap((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1] ?? []));
    return { ...r, modules, packages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
