/**
 * The GRUB environment block as the deciders see it (domain/facts.ts BootEnv), and the one
 * writer of boot variables every plan's grubenv step goes through. Reading never throws: a
 * missing, garbage or incomplete block is a state with a sentence naming the file.
 */
import { closeSync, copyFileSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir, nodeFs } from '../../events/logFs.js';
import type { BootVars } from '../../events/types.js';
import { isCompleteVars, SCRIPT_MARKER, type BootEnv } from '../domain/facts.js';
import type { BootEnvStep } from '../domain/plan.js';
import { emptyGrubenv, GRUBENV_SIZE, parseGrubenv, setAll } from './grubenv.js';
import { readGrubenvFile, writeGrubenvFile } from './grubenvFile.js';

const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);

/** The three boot variables of a parsed block. */
export function bootVarsOf(vars: Map<string, string>): BootVars {
  return { active_slot: vars.get('active_slot') ?? null, boot_counter: num(vars.get('boot_counter')), boot_success: num(vars.get('boot_success')) };
}

export function readBootEnv(file: string): BootEnv {
  let block: Buffer;
  try {
    block = readGrubenvFile(file);
  } catch (err) {
    const missing = (err as { missing?: boolean }).missing === true;
    return { state: missing ? 'missing' : 'unreadable', vars: null, script: null, problem: (err as Error).message, file };
  }
  const all = new Map(parseGrubenv(block, file));
  const vars = bootVarsOf(all);
  const script = all.get(SCRIPT_MARKER) ?? null;
  if (isCompleteVars(vars)) return { state: 'ok', vars, script, problem: null, file };
  const shown = (k: string) => { const x = all.get(k); return x === undefined ? '(unset)' : /^[\w.-]*$/.test(x) ? x : JSON.stringify(x); };
  const have = `active_slot=${shown('active_slot')} boot_counter=${shown('boot_counter')} boot_success=${shown('boot_success')}`;
  return { state: 'incomplete', vars, script, problem: `${file} is not a complete boot environment (${have}): GRUB would boot slot A without a trial or a fallback`, file };
}

/**
 * Sets boot variables in place, keeping the rest of the block. With `create` (bootenv init
 * only), a missing file gets a new block and a block that cannot be read is first copied to
 * `<file>.broken`, then replaced: nothing is thrown away unseen.
 */
export function writeBootVars(file: string, set: BootEnvStep['set'], create = false): void {
  const vars = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
  let block: Buffer | null = null;
  try {
    block = readGrubenvFile(file);
  } catch (err) {
    if (!create) throw err;
    if ((err as { missing?: boolean }).missing !== true) copyFileSync(file, `${file}.broken`);
  }
  if (block) return writeGrubenvFile(file, setAll(block, vars, file));
  const fresh = setAll(emptyGrubenv(), vars, file);
  const fd = openSync(file, 'w');
  try {
    for (let done = 0; done < GRUBENV_SIZE; ) done += writeSync(fd, fresh, done, GRUBENV_SIZE - done, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(nodeFs, dirname(file));
}
