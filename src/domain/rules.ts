/**
 * The safety rules by name (README, "Safety rules"): every refusal names the rule that made it,
 * and the refusals several deciders share are written here once.
 */
import type { NewEvent } from '../../events/types.js';
import type { Lifecycle } from '../../projections/lifecycle.js';
import { isCompleteVars, ourScript, SCRIPT_MARKER, type BootEnv } from './facts.js';
import { refuse, type Refusal } from './plan.js';

export const RULES = {
  trialFact: 'on trial is a fact of the boot',
  fallback: 'fallback intact',
  evidence: 'evidence to pass',
  bootEnv: 'never guess the boot environment',
  script: 'know which GRUB script runs',
  effects: 'every failed effect keeps its reason',
  bounded: 'bounded checks',
  network: 'no lock on the network',
  oneOutcome: 'one failure, one event',
  authenticated: 'authenticated facts only',
  history: 'never install over a lost history',
} as const;

export const byRule = (rule: keyof typeof RULES) => `(safety rule: ${RULES[rule]})`;

export const BOOTENV_HINT = "'kubesolo-update bootenv init' writes a complete block from what the log knows";

/** A refusal to write a slot or grubenv while the block is missing or incomplete. */
export function bootEnvRefusal(env: BootEnv, what: string, events: NewEvent[] = []): Refusal {
  return refuse(`${env.problem ?? `${env.file} is not a complete GRUB environment block`}; refusing to ${what} ${byRule('bootEnv')}; ${BOOTENV_HINT}`, events);
}

export const unknownBooted = (what: string): Refusal =>
  refuse(`the booted slot is unknown (no kubesolo.slot= on the kernel command line); refusing to ${what} ${byRule('bootEnv')}`);

/**
 * The warning for a block our GRUB script has not marked: the script that runs is another (the
 * Go agent's resets boot_success on every boot), or none has run since the block was written.
 */
export function foreignScript(env: BootEnv): string | null {
  if (env.state !== 'ok' || ourScript(env)) return null;
  return `${env.file} has no ${SCRIPT_MARKER}: the GRUB script that boots this node is not kubesolo-update's deploy/grub/ab-select.cfg (or has not run since the block was written); install deploy/grub/ (README, "Coming from the Go agent") ${byRule('script')}`;
}

/**
 * What an operator must see about a readable boot environment, besides its own problems (which
 * each write refuses with): a foreign GRUB script, and a slot GRUB boots as verified that this
 * node never verified (a block written by hand) — GRUB acts on the block whatever the log says.
 */
export function bootEnvWarnings(env: BootEnv, l: Lifecycle | null): string[] {
  const out: string[] = [];
  const foreign = foreignScript(env);
  if (foreign) out.push(foreign);
  const v = env.vars;
  if (l?.slotsKnown && isCompleteVars(v) && v.boot_success === 1 && !l.verified[v.active_slot]) {
    out.push(`${env.file} boots slot ${v.active_slot} as verified (boot_success=1), but this node never verified the release in it: the block was written outside the agent ${byRule('bootEnv')}`);
  }
  return out;
}
