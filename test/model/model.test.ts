/**
 * Model-based test of the safety rules (README, "Safety rules"): random sequences of what an
 * operator and the machine do — apply (a good release, a wrong SHA-256, a rolled-back release
 * relabelled, killed at a crash point), activate, reboot, healthcheck (pass, fail, a hanging check,
 * an empty check list), rollback (default and --to), note, bootenv init, grubenv deleted or
 * corrupted, the log's newest segment cut, emptied or deleted, repair --accept-loss — each followed by the invariants of oracle.ts. Most sequences run the CLI in this
 * process; MODEL_CLI of them spawn every command (real SIGKILL, real process groups) and
 * MODEL_GRUB of them reboot through real GRUB (grub-emu). A failure is shrunk and printed with
 * its seed; MODEL_SEED=s replays the run, MODEL_CASE=i only that sequence.
 *   MODEL_SEQUENCES (default 300), MODEL_STEPS (minimum length, default 15).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GrubEmu, grubEmuUnavailable } from '../../src/boot/grubEmu.js';
import { caseRng } from '../fuzz/prng.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';
import { Oracle } from './oracle.js';
import { shrink } from './shrink.js';
import { describe, perform, randomStep, type Lane, type Step } from './steps.js';
import { makeWorld, type Server, type World } from './world.js';

const SEQUENCES = Number(process.env.MODEL_SEQUENCES ?? 300);
const MIN_STEPS = Number(process.env.MODEL_STEPS ?? 15);
const CLI = Number(process.env.MODEL_CLI ?? 10);
const GRUB = grubEmuUnavailable() ? 0 : Number(process.env.MODEL_GRUB ?? 10);
const SEED = Number(process.env.MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ONLY = process.env.MODEL_CASE === undefined ? null : Number(process.env.MODEL_CASE);
const WORKERS = 3;
// Nothing here can reach a Kubernetes API server: the node-block pre-flight says so and goes on.
process.env.KUBECONFIG = '/nonexistent/kubeconfig';

type Mode = 'in-process' | 'cli' | 'grub';
const modeOf = (i: number): Mode => (i < CLI ? 'cli' : i < CLI + GRUB ? 'grub' : 'in-process');

function sequence(i: number): Step[] {
  const r = caseRng(SEED, i);
  return Array.from({ length: MIN_STEPS + r.int(11) }, () => randomStep(r));
}

interface Tools { server: Server; grub: GrubEmu | null }

let lossesRecorded = 0;

async function run(world: World, tools: Tools, mode: Mode, steps: Step[]): Promise<string | null> {
  const sb = makeSandbox();
  const lane: Lane = { sb, server: tools.server, pub: world.pub, grub: mode === 'grub' ? tools.grub : null, spawn: mode === 'cli', nextGood: 1 };
  const oracle = new Oracle(sb, world.published);
  for (const [k, step] of steps.entries()) {
    const before = oracle.snapshot();
    const ran = await perform(lane, step);
    const problem = await oracle.after(step, before.vars, before.booted, ran);
    if (problem) return `step ${k + 1} (${describe(step)}): ${problem}`;
  }
  lossesRecorded += oracle.recorded;
  return oracle.finalProblems();
}

test(`random operator sequences keep every safety invariant (seed ${SEED})`, async () => {
  const world = await makeWorld();
  const cases = ONLY !== null ? [ONLY] : Array.from({ length: SEQUENCES }, (_, i) => i);
  const failures: string[] = [];
  let next = 0, steps = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: WORKERS }, async () => {
    const tools: Tools = { server: await world.server(), grub: GRUB > 0 ? new GrubEmu(tmpDir('ksu-model-grub-')) : null };
    try {
      while (next < cases.length && failures.length === 0) {
        const i = cases[next++];
        const seq = sequence(i);
        steps += seq.length;
        const failure = await run(world, tools, modeOf(i), seq);
        if (!failure) continue;
        const small = await shrink(seq, (s) => run(world, tools, modeOf(i), s));
        failures.push([
          `sequence ${i} (${modeOf(i)}) of seed ${SEED} failed: ${failure}`,
          `shrunk in ${small.runs} runs to ${small.steps.length} steps, failing with: ${small.failure}`,
          ...small.steps.map((s, k) => `  ${k + 1}. ${describe(s)}`),
          `replay: MODEL_SEED=${SEED} MODEL_CASE=${i} node dist/test/model/model.test.js`,
        ].join('\n'));
      }
    } finally {
      await tools.server.close();
    }
  }));
  assert.ok(failures.length === 0, failures.join('\n\n'));
  if (cases.length >= 100) assert.ok(lossesRecorded > 0, 'no sequence lost acknowledged events: the damage steps never reached what the checkpoint vouched for');
  console.log(`    (${cases.length} sequences, ${steps} steps, ${lossesRecorded} lost log ranges recorded, ${Math.min(CLI, cases.length)} through the real CLI, ${GRUB} through grub-emu, seed ${SEED}, ${Math.round((Date.now() - started) / 1000)} s)`);
});

test.run();
