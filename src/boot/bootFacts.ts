/**
 * What the running system says about booting, read live: the booted slot (kernel command line)
 * and the three variables of the GRUB environment block. Readers only look; nothing is written.
 */
import { readFileSync } from 'node:fs';
import type { Slot } from '../../events/types.js';
import type { BootFacts } from '../../projections/statusView.js';
import type { BootVars } from '../../events/types.js';
import { bootedSlot } from './cmdline.js';
import type { Lifecycle } from '../../projections/lifecycle.js';
import { BOOTENV_HINT, bootEnvWarnings } from '../domain/rules.js';
import { bootVarsOf, readBootEnv } from './bootEnv.js';
import { parseGrubenv } from './grubenv.js';

export function readBootedSlot(cmdlinePath: string): Slot | null {
  try {
    return bootedSlot(readFileSync(cmdlinePath, 'utf8'));
  } catch {
    return null;
  }
}

/** The three boot variables of a block (numbers as numbers; null when absent or not a number). */
export function envVars(block: Buffer, file: string): BootVars {
  return bootVarsOf(new Map(parseGrubenv(block, file)));
}

/**
 * The boot facts as status and serve show them: grubenv's variables (numbers as numbers; null
 * when the block cannot be read), its state and script mark, and the warnings an operator must
 * see — loudly, since GRUB acts on the block whatever the log says.
 */
export function readBootFacts(paths: { cmdline: string; grubenv: string }, lifecycle: Lifecycle | null, warn?: (msg: string) => void): BootFacts {
  const booted = readBootedSlot(paths.cmdline);
  const env = readBootEnv(paths.grubenv);
  const warnings = [...(env.problem ? [`${env.problem}; ${BOOTENV_HINT}`] : []), ...bootEnvWarnings(env, lifecycle)];
  for (const w of warnings) warn?.(`warning: ${w}`);
  return { booted, grubenv: env.vars, env: { state: env.state, script: env.script }, warnings };
}
