/**
 * Carries out a decider's plan: records events, and for each grubenv step appends the Intent,
 * writes the variables, appends the outcome — with a named crash point in each gap. A failed
 * write keeps its reason: grubenv is read back, and the outcome records the error and what
 * landed (or, if the write landed after all, the ordinary outcome).
 */
import { crashPoint } from '../../events/crashPoint.js';
import type { NewEvent } from '../../events/types.js';
import { readBootEnv, writeBootVars } from '../boot/bootEnv.js';
import { landed, type BootEnvStep, type BootEnvWrite, type Step } from '../domain/plan.js';
import { byRule } from '../domain/rules.js';
import { AgentError } from '../errors.js';

// Literal names, one pair per write, so the crash sweep finds every point in the built code.
const CRASH: Record<BootEnvWrite, [() => void, () => void]> = {
  activate: [() => crashPoint('activate.after-intent'), () => crashPoint('activate.after-grubenv')],
  rollback: [() => crashPoint('rollback.after-intent'), () => crashPoint('rollback.after-grubenv')],
  'auto-rollback': [() => crashPoint('auto-rollback.after-intent'), () => crashPoint('auto-rollback.after-grubenv')],
  healthcheck: [() => crashPoint('healthcheck.after-intent'), () => crashPoint('healthcheck.after-grubenv')],
  bootenv: [() => crashPoint('bootenv.after-intent'), () => crashPoint('bootenv.after-grubenv')],
};

export interface StepRunner {
  grubenv: string;
  append(events: NewEvent[]): Promise<void>;
  warn(text: string): void;
  /** A safe point: throws Interrupted when SIGINT/SIGTERM came (src/signals.ts). */
  checkpoint(): Promise<void>;
}

async function writeStep(r: StepRunner, b: BootEnvStep): Promise<void> {
  await r.append([b.intent]);
  CRASH[b.name][0]();
  try {
    writeBootVars(r.grubenv, b.set, b.create);
  } catch (err) {
    const error = (err as Error).message;
    const observed = readBootEnv(r.grubenv).vars;
    if (landed(b.set, observed)) {
      r.warn(`warning: ${error}; grubenv, read back, shows the write`);
      await r.append(b.outcome);
      return;
    }
    await r.append(b.failed(error, observed));
    const now = observed ? `active_slot=${observed.active_slot} boot_counter=${observed.boot_counter} boot_success=${observed.boot_success}` : 'unreadable';
    throw new AgentError('FAILED', `${error} (recorded; grubenv now holds ${now}) ${byRule('effects')}`);
  }
  CRASH[b.name][1]();
  await r.append(b.outcome);
}

/**
 * Runs the steps in order. A signal never cuts a step: it is checked only before each one, so an
 * Intent, its grubenv write and its outcome are always recorded together.
 */
export async function runSteps(r: StepRunner, steps: Step[]): Promise<void> {
  for (const step of steps) {
    await r.checkpoint();
    if ('record' in step) await r.append(step.record);
    else await writeStep(r, step.bootenv);
  }
}
